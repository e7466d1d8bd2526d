// Ring 2: the orchestrator's administration inside VS Code, against the framework's REAL
// orchestrator in token mode. The inbox fills from a consumer's requests and its badge counts them;
// Test shows the resolved parameters; Approve runs one and its job reaches the model's jobs; Reject
// sends its note; a schedule is added (its cron checked before sending), disabled, enabled (not
// twice), deleted; a token is issued; and with a consumer's token no admin action is offered.
// The prompts are scripted through the seam (orchestratorPrompts.ui): no dialog opens.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { secretScope } from '../../src/core/orchestrator/endpointSettings';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import type { Role } from '../../src/core/orchestrator/types';
import type { OrchestratorUi } from '../../src/vscode/orchestrator/prompts';
import type { RequestsNode } from '../../src/vscode/orchestrator/requestsView';
import type { Testing } from '../../src/vscode/testing';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import { useExtension } from './harness';
import { untilEvent } from './waitFor';

const framework = needsFramework();

interface Shown {
  kind: 'info' | 'warn' | 'error';
  message: string;
  detail?: string;
}

/** Prompts answered from queues; every message kept. */
class ScriptedUi implements OrchestratorUi {
  picks: Array<(items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | readonly vscode.QuickPickItem[] | undefined> = [];
  inputs: Array<string | undefined> = [];
  /** What each input box's check said of the scripted value. */
  validations: string[] = [];
  params: OrchestratorUi['params'] = async () => ({});
  answers: Array<(actions: string[]) => string | undefined> = [];
  shown: Shown[] = [];

  pick<T extends vscode.QuickPickItem>(items: readonly T[]): Thenable<T | undefined> {
    const answer = this.picks.shift();
    assert.ok(answer, `an unexpected pick among ${items.map((i) => i.label).join(', ')}`);
    return Promise.resolve(answer(items) as T | undefined);
  }
  pickMany<T extends vscode.QuickPickItem>(items: readonly T[]): Thenable<readonly T[] | undefined> {
    const answer = this.picks.shift();
    assert.ok(answer, 'an unexpected multi-pick');
    return Promise.resolve(answer(items) as readonly T[] | undefined);
  }
  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    assert.ok(this.inputs.length > 0, `an unexpected input box: ${options.prompt}`);
    const value = this.inputs.shift();
    if (value !== undefined && options.validateInput) {
      const said = await options.validateInput(value);
      this.validations.push(typeof said === 'string' ? said : (said?.message ?? ''));
    }
    return value;
  }
  private say(kind: Shown['kind'], message: string, detail: string | undefined, actions: string[]): Thenable<string | undefined> {
    this.shown.push({ kind, message, detail });
    return Promise.resolve(this.answers.shift()?.(actions));
  }
  info(message: string, options: { detail?: string }, ...actions: string[]) {
    return this.say('info', message, options.detail, actions);
  }
  warn(message: string, options: { detail?: string }, ...actions: string[]) {
    return this.say('warn', message, options.detail, actions);
  }
  error(message: string, ...actions: string[]) {
    return this.say('error', message, undefined, actions);
  }
  copy(): Thenable<void> {
    return Promise.resolve();
  }
  saveTo(): Thenable<vscode.Uri | undefined> {
    assert.fail('an unexpected save dialog');
  }
  last(): Shown | undefined {
    return this.shown[this.shown.length - 1];
  }
}

const byLabel = (label: string) => (items: readonly vscode.QuickPickItem[]) => items.find((i) => i.label === label);

(framework.skip ? describe.skip : describe)('Orchestrator administration: inbox, schedules, tokens, per role', function () {
  const ext = useExtension();
  let t: Testing;
  let orch: Orchestrator;
  let consumerToken: string;
  let ui: ScriptedUi;
  let baseUrl: URL;
  let windowUi: OrchestratorUi | undefined;

  const server = () => t.orchestrators.get('default');
  const model = () => server()?.model;
  const admin = () => t.orchestratorAdmin;
  const prompts = () => t.orchestratorPrompts;
  const events = () => [t.orchestrators.onDidChange, t.orchestrators.onDidChangeServers];
  const pending = (): Array<Extract<RequestsNode, { kind: 'request' }>> => admin().inbox.tree.nodes().flatMap((n) => (n.kind === 'request' ? [n] : []));

  async function connectAs(role: Role, token: string): Promise<void> {
    await t.passwords.set(token, 'default', 'orchestratorToken', secretScope(baseUrl));
    await untilEvent(`the orchestrator model as ${role}`, () => (model()?.role.value === role && model()?.requests.loaded ? true : undefined), events());
  }

  async function submitAs(token: string, title: string, city: string): Promise<string> {
    const answer = await orch.request<{ id: string }>('POST', '/requests', { token, body: { scenario: 'quick', params: { city }, title } });
    assert.equal(answer.status, 201, answer.text);
    return answer.json?.id ?? '';
  }

  before(async function () {
    this.timeout(60_000);
    t = ext.testing;
    orch = await startOrchestrator(requireFramework(), {
      auth: 'token',
      scenarios: { quick: scenarioYaml({ description: 'ends at once', runner: 'quick', params: [{ name: 'city', default: 'Omsk', pattern: '[A-Za-z]+' }] }, 'note: "quick"\n') },
      runners: { quick: { binary: '/bin/sh', args: ['-c', 'echo ran {{.city}}'] } },
    });
    consumerToken = await orch.issueToken('con', 'consumer');
    const url = orchestratorBaseUrl(orch.url);
    assert.ok(url);
    baseUrl = url;
    ui = new ScriptedUi();
    windowUi = prompts().ui;
    prompts().ui = ui;
    await ext.settings.update('orchestrator.auth', 'token');
    await ext.settings.update('orchestrator.url', orch.url);
    await connectAs('admin', orch.adminToken ?? '');
  });

  after(async () => {
    if (t && windowUi) {
      prompts().ui = windowUi;
      await t.passwords.clear('default', 'orchestratorToken');
    }
    await orch?.dispose();
  });

  it('the inbox fills with a consumer’s requests and its badge counts them; admin actions are offered', async () => {
    await submitAs(consumerToken, 'Perm, please', 'Perm');
    await submitAs(consumerToken, 'Tver, please', 'Tver');
    await vscode.commands.executeCommand('tdtp.orchestrator.refreshRequests');
    await untilEvent('two pending requests', () => (pending().length === 2 ? true : undefined), events());
    assert.equal(admin().inbox.badge?.value, 2);
    const item = admin().inbox.tree.getTreeItem(pending()[0]);
    assert.match(String(item.contextValue), /\breviewable\b/);
    assert.deepEqual(admin().roles.values, { configured: true, connected: true, canSubmit: true, canReview: true, canEditSchedules: true, canEditTokens: true });
  });

  it('Test shows the resolved parameters (blocked while not approved, worded); Approve runs it and its job reaches Jobs', async () => {
    const perm = pending().find((n) => n.request.title === 'Perm, please');
    assert.ok(perm);
    ui.answers.push(() => undefined);
    await vscode.commands.executeCommand('tdtp.orchestrator.testRequest', perm);
    assert.equal(ui.last()?.kind, 'warn', 'not approved: it would not run');
    assert.ok((ui.last()?.detail ?? '').length > 0, 'the reason, worded');

    await orch.approve('quick');
    ui.answers.push(() => undefined);
    await vscode.commands.executeCommand('tdtp.orchestrator.testRequest', perm);
    assert.equal(ui.last()?.kind, 'info');
    assert.match(ui.last()?.detail ?? '', /city=Perm/);

    // Approve from the row asks first, saying the request again; declined, nothing is sent.
    ui.answers.push(() => undefined);
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.approveRequest', perm), undefined);
    const asked = ui.last();
    assert.equal(asked?.kind, 'warn');
    assert.match(asked?.message ?? '', /^Approve the request "Perm, please" \(quick\) and run it now\?$/);
    assert.match(asked?.detail ?? '', /^Scenario: quick\nSubmitted by: .+\nParameters: city=Perm$/);
    assert.equal(pending().length, 2, 'still pending');

    ui.answers.push((actions) => actions.find((a) => a === 'Approve and Run'));
    const jobId = await vscode.commands.executeCommand<string | undefined>('tdtp.orchestrator.approveRequest', perm);
    assert.ok(jobId, JSON.stringify(ui.last()));
    assert.ok(ui.last()?.message.includes(jobId), 'the job id is said');
    await untilEvent('the approved request’s job in Jobs', () => (model()?.jobs.some((j) => j.id === jobId) ? true : undefined), [t.orchestrators.onDidChangeJobs]);
    await untilEvent('one pending request left', () => (pending().length === 1 ? true : undefined), events());
    assert.equal(admin().inbox.badge?.value, 1);
  });

  it('Reject sends the note; the inbox empties and the badge goes', async () => {
    const tver = pending()[0];
    ui.inputs.push('не сегодня');
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.rejectRequest', tver), true);
    const answer = await orch.request<{ status: string; review_note: string }>('GET', `/requests/${tver.request.id}`, { token: orch.adminToken });
    assert.equal(answer.json?.status, 'rejected');
    assert.equal(answer.json?.review_note, 'не сегодня');
    await untilEvent('no pending request', () => (pending().length === 0 ? true : undefined), events());
    assert.equal(admin().inbox.badge, undefined);
  });

  it('a schedule: a bad cron is refused before sending; added, disabled, enabled (not twice), deleted — each as the server then holds it', async () => {
    const held = async () => ((await orch.request<Array<{ ID: string; Enabled: boolean }>>('GET', '/schedules', { token: orch.adminToken })).json ?? []).map((s) => `${s.ID}:${s.Enabled}`);
    ui.picks.push(byLabel('quick'));
    ui.inputs.push('nightly', 'not a cron');
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.addSchedule'), undefined);
    assert.equal(ui.last()?.kind, 'error');
    assert.deepEqual(await held(), [], 'nothing was sent');

    ui.validations = [];
    ui.picks.push(byLabel('quick'));
    ui.inputs.push('nightly', '30 2 * * *', 'Europe/Moscow');
    ui.params = async () => ({ city: 'Tver' });
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.addSchedule'), 'nightly');
    assert.ok(ui.validations[1].length > 0, 'the cron box says when it runs next');
    assert.deepEqual(await held(), ['nightly:true']);
    assert.equal(model()?.schedules.value[0]?.timezone, 'Europe/Moscow');

    // An id the server holds is refused in the box (the server would replace it and register it twice).
    ui.picks.push(byLabel('quick'));
    ui.inputs.push('nightly', undefined);
    await vscode.commands.executeCommand('tdtp.orchestrator.addSchedule');
    assert.match(ui.validations[ui.validations.length - 1], /nightly/);

    // Shaped as the Orchestrator view's schedule node.
    const node = { kind: 'schedule', id: 'schedule/default/nightly', server: 'default', scheduleId: 'nightly' };
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.disableSchedule', node), true);
    assert.deepEqual(await held(), ['nightly:false']);
    assert.equal(model()?.schedules.value[0]?.enabled, false);
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.enableSchedule', node), true);
    assert.deepEqual(await held(), ['nightly:true']);
    // Enabling an enabled schedule would register it twice on the server: nothing is sent.
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.enableSchedule', node), false, 'an enabled schedule is not enabled again');
    assert.equal(ui.last()?.kind, 'warn');

    ui.answers.push((actions) => actions[0]);
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.deleteSchedule', node), true);
    assert.deepEqual(await held(), []);
    assert.deepEqual(model()?.schedules.value, []);
  });

  it('a token is issued with a role and an allowlist, shown once', async () => {
    ui.inputs.push('ci-bot');
    ui.picks.push((items) => items.find((i) => (i as vscode.QuickPickItem & { role?: string }).role === 'activator'));
    ui.picks.push((items) => items.filter((i) => i.label === 'quick'));
    ui.answers.push(() => undefined);
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.issueToken'), 'ci-bot');
    assert.match(ui.last()?.detail ?? '', /^tdtp_[0-9a-f]{48}$/, 'the raw token is shown');
    const tokens = (await orch.request<Array<{ name: string; role: string; scenarios: string[] | null }>>('GET', '/tokens', { token: orch.adminToken })).json ?? [];
    const issued = tokens.find((tk) => tk.name === 'ci-bot');
    assert.equal(issued?.role, 'activator');
    assert.deepEqual(issued?.scenarios, ['quick']);
  });

  it('a consumer is offered no admin action, submits a request through the run form and sees it in the inbox', async () => {
    await connectAs('consumer', consumerToken);
    await untilEvent('the consumer’s context keys', () => (admin().roles.values.canReview === false ? true : undefined), events());
    assert.deepEqual(admin().roles.values, { configured: true, connected: true, canSubmit: true, canReview: false, canEditSchedules: false, canEditTokens: false });

    ui.inputs.push('Kazan, please');
    ui.params = async (scenario) => (scenario.name === 'quick' ? { city: 'Kazan' } : undefined);
    // From the Orchestrator view's scenario node: no scenario pick.
    const id = await vscode.commands.executeCommand<string | undefined>('tdtp.orchestrator.submitRequest', { kind: 'scenario', id: 'scenario/default/quick', server: 'default', name: 'quick' });
    assert.ok(id, JSON.stringify(ui.last()));
    await untilEvent('the consumer’s own request in the inbox', () => (pending().some((n) => n.request.id === id) ? true : undefined), events());
    assert.equal(admin().inbox.badge?.value, pending().length);
    for (const node of pending()) assert.doesNotMatch(String(admin().inbox.tree.getTreeItem(node).contextValue), /reviewable/);

    // Asked anyway (a stale keybinding): refused here, worded with the role it needs; nothing sent.
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.approveRequest', pending()[0]), undefined);
    assert.equal(ui.last()?.kind, 'error');
    assert.equal(await vscode.commands.executeCommand('tdtp.orchestrator.addSchedule'), undefined);
    assert.equal(ui.last()?.kind, 'error');
  });
});
