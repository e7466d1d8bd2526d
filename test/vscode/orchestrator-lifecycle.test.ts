// Ring 2: how the orchestrators live through settings and secrets changing, against the REAL
// orchestrator (--no-auth, so any token is accepted): an edit of tdtp.connections keeps the models
// of the servers it does not change; a secret cleared while the user is asked to send it to a new
// URL is not sent; an Orchestrators disposed while it connects builds nothing; the view's node
// cache forgets the rows of a schedule that is gone; a setting it cannot use is worded in the view.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { secretScope } from '../../src/core/orchestrator/endpointSettings';
import { orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import { messageItem } from '../../src/vscode/orchestrator/items';
import type { OrchestratorServer } from '../../src/vscode/orchestrator/orchestrators';
import { Orchestrators } from '../../src/vscode/orchestrator/orchestrators';
import type { Testing } from '../../src/vscode/testing';
import { needsFramework, requireFramework } from '../support/framework';
import type { Orchestrator } from '../support/orchestrator';
import { scenarioYaml, startOrchestrator } from '../support/orchestrator';
import { useExtension } from './harness';
import { untilEvent } from './waitFor';

const framework = needsFramework();

(framework.skip ? describe.skip : describe)('Orchestrator lifecycle: settings edits, secrets changing, disposal', function () {
  this.timeout(60_000);
  const ext = useExtension();
  let t: Testing;
  let orch: Orchestrator;
  /** The same server by another host name: another URL to the settings. */
  let elsewhere: string;

  const server = (connection = 'default'): OrchestratorServer | undefined => t.orchestrators.get(connection);
  const events = () => [t.orchestrators.onDidChange, t.orchestrators.onDidChangeServers] as Array<(l: (v: unknown) => void) => { dispose(): void }>;
  const untilAdmin = () => untilEvent('connected as admin', () => (server()?.model?.role.value === 'admin' ? true : undefined), events(), 20_000);

  before(async () => {
    t = ext.testing;
    orch = await startOrchestrator(requireFramework(), {
      auth: 'none',
      scenarios: { life_greet: scenarioYaml({ description: 'greets', runner: 'greeter' }, 'note: "greets"\n') },
      runners: { greeter: { binary: '/bin/sh', args: ['-c', 'echo hello'] } },
      schedules: [{ id: 'life_temp', scenario: 'life_greet', schedule: '0 4 * * *', params: {} }],
    });
    elsewhere = orch.url.replace('127.0.0.1', 'localhost');
    await ext.settings.update('orchestrator.auth', 'none');
    await ext.settings.update('orchestrator.url', orch.url);
    await untilAdmin();
  });

  after(async () => {
    await t?.passwords.clear('default', 'orchestratorToken');
    await orch?.dispose();
  });

  it('an edit of tdtp.connections keeps the models of the orchestrators it does not change', async () => {
    // Port 1: the Redis side of these entries refuses at once; only their orchestrators matter here.
    const keep = { name: 'keep', port: 1, orchestrator: { url: orch.url, auth: 'none' } };
    try {
      await ext.settings.update('connections', [keep]);
      const kept = await untilEvent('keep connected', () => server('keep')?.model, events());
      await ext.settings.update('connections', [keep, { name: 'added', port: 1, orchestrator: { url: elsewhere, auth: 'none' } }]);
      await untilEvent('added connected', () => server('added')?.model, events());
      assert.equal(server('keep')?.model, kept, 'the unchanged server kept its model');
      await ext.settings.update('connections', [{ ...keep, orchestrator: { ...keep.orchestrator, timeZone: 'Europe/Moscow' } }]);
      await untilEvent('added gone, keep reconnected in its new zone', () => {
        const now = server('keep');
        return !server('added') && now?.model && now.model !== kept && now.endpoint.timeZone === 'Europe/Moscow' ? true : undefined;
      }, events());
    } finally {
      await ext.settings.update('connections', undefined);
    }
    await untilAdmin();
  });

  it('a secret cleared while the user is asked to send it to a new URL is not sent', async () => {
    const askElsewhere = t.passwords.askElsewhere;
    await t.passwords.set('the-old-token', 'default', 'orchestratorToken', secretScope(orchestratorBaseUrl(orch.url)!));
    try {
      await ext.settings.update('orchestrator.auth', 'token');
      await untilEvent('connected with the token', () => (server()?.endpoint.auth === 'token' && server()?.model ? true : undefined), events());
      let asked = 0;
      t.passwords.askElsewhere = async () => {
        asked++;
        // The secret goes (another window, the Clear command) while the modal is open; then the user says Send.
        await t.passwords.clear('default', 'orchestratorToken');
        return true;
      };
      await ext.settings.update('orchestrator.url', elsewhere);
      await untilEvent('the token missing', () => (server()?.credentials === 'missingToken' ? true : undefined), events());
      await t.orchestrators.whenSettled();
      assert.equal(asked, 1);
      assert.equal(server()?.credentials, 'missingToken');
      assert.equal(server()?.model, undefined, 'the cleared token was not sent');
    } finally {
      t.passwords.askElsewhere = askElsewhere;
      await t.passwords.clear('default', 'orchestratorToken');
      await ext.settings.update('orchestrator.url', orch.url);
      await ext.settings.update('orchestrator.auth', 'none');
    }
    await untilAdmin();
  });

  it('the view drops the cached rows of a schedule that is gone', async () => {
    const tree = t.orchestratorView.tree;
    const model = server()?.model;
    assert.ok(model);
    await model.refreshSchedules();
    const group = tree.getChildren().find((n) => n.kind === 'group' && n.group === 'schedules');
    assert.ok(group, 'the Schedules group shows');
    const id = 'schedule/default/life_temp';
    assert.ok(tree.getChildren(group).some((n) => n.id === id));
    assert.ok(tree.cachedIds().includes(id));
    const deleted = await orch.request('DELETE', '/schedules/life_temp');
    assert.ok(deleted.status < 300, deleted.text);
    await model.refreshSchedules();
    assert.deepEqual(tree.getChildren(group).map((n) => n.id), []);
    assert.equal(tree.cachedIds().includes(id), false, 'its node left the cache');
  });

  it('a setting it cannot use keeps the view, worded in a row that opens the settings', async () => {
    const tree = t.orchestratorView.tree;
    try {
      await ext.settings.update('orchestrator.auth', 'kerberos');
      await untilEvent('the bad-settings state', () => (tree.state === 'badSettings' ? true : undefined), [tree.onDidChangeState]);
      const rows = tree.getChildren();
      assert.deepEqual(rows.map((n) => n.kind), ['setting']);
      const row = tree.getTreeItem(rows[0]);
      assert.match(String(row.label), /tdtp\.orchestrator\.auth.*kerberos/);
      assert.equal(row.command?.command, 'workbench.action.openSettings');
    } finally {
      await ext.settings.update('orchestrator.auth', 'none');
    }
    await untilAdmin();
    assert.equal(tree.state, 'ok');
  });

  it('the credentials row of an LDAP orchestrator speaks of its password, not a token', () => {
    const ldap = (credentials: OrchestratorServer['credentials']): OrchestratorServer => ({
      endpoint: { connection: 'dir', baseUrl: new URL('http://127.0.0.1:1/'), auth: 'ldap', username: 'ann', timeZone: '' },
      model: undefined,
      credentials,
    });
    for (const state of ['refused', 'missingPassword'] as const) {
      const row = messageItem(ldap(state), 'credentials');
      assert.match(String(row.label), /password/, state);
      assert.doesNotMatch(String(row.label), /token/, state);
      assert.equal(row.command?.command, 'tdtp.orchestrator.setPassword', state);
    }
  });

  it('an Orchestrators disposed while it connects builds and starts no model', async () => {
    const log = vscode.window.createOutputChannel('TDTP lifecycle test', { log: true });
    try {
      const own = new Orchestrators(t.config, t.passwords, log);
      assert.equal(own.servers.length, 1);
      own.dispose();
      await own.whenSettled();
      assert.deepEqual(own.servers.map((s) => s.model), [undefined]);
    } finally {
      log.dispose();
    }
  });
});
