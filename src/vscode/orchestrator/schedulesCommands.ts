// Schedules of the orchestrator: Add (scenario, id, cron checked here as the server's scheduler
// reads it, parameters through the run form, the zone of the date parameters), Enable, Disable,
// Delete. After each, the server is asked what it holds (it answers 204 even for ids it does not
// know, and echoes what it was sent). What its behaviour means is said where it matters: seeds come
// back (enabled) when it restarts; enabling an enabled schedule registers it twice (and disabling
// then stops only one), so Enable is offered only on disabled ones; POST stores the row before it
// checks it, and a stored broken row stops the server from starting again.
import * as vscode from 'vscode';
import { isTimeZone } from '../../core/cron';
import { cronZone } from '../../core/orchestrator/endpointSettings';
import { Disposable } from '../../core/lifecycle';
import type { Schedule, Scenario } from '../../core/orchestrator/types';
import { orchestratorProblemText, serverText } from '../words/orchestrator';
import { cronVerdict, problemMessage } from '../words/orchestratorAdmin';
import type { Orchestrators } from './orchestrators';
import type { UiHolder } from './prompts';
import type { Acting } from './requestsShared';
import { chooseServer, commandTable } from './requestsShared';

export const SCHEDULE_COMMANDS = {
  add: 'tdtp.orchestrator.addSchedule',
  enable: 'tdtp.orchestrator.enableSchedule',
  disable: 'tdtp.orchestrator.disableSchedule',
  remove: 'tdtp.orchestrator.deleteSchedule',
} as const;

/** An id this side accepts: the server takes any text, but it goes into URLs and menus. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function scheduleIdOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  // A schedule node of the Orchestrator view carries its schedule; a caller may pass the id alone.
  const record = arg as { schedule?: { id?: unknown }; scheduleId?: unknown };
  const id = record.schedule?.id ?? record.scheduleId;
  return typeof id === 'string' ? id : undefined;
}

export class ScheduleCommands extends Disposable {
  constructor(
    private readonly orchestrators: Orchestrators,
    private readonly prompts: UiHolder,
  ) {
    super();
    this.register(
      commandTable({
        [SCHEDULE_COMMANDS.add]: (arg) => this.add(arg),
        [SCHEDULE_COMMANDS.enable]: (arg) => this.enable(arg),
        [SCHEDULE_COMMANDS.disable]: (arg) => this.disable(arg),
        [SCHEDULE_COMMANDS.remove]: (arg) => this.remove(arg),
      }),
    );
  }

  private get ui() {
    return this.prompts.ui;
  }

  /** The schedule a node names, or the user's pick among those `fits` (as the server holds them now). */
  private async target(arg: unknown, fits: (s: Schedule) => boolean, placeHolder: string): Promise<{ acting: Acting; schedule: Schedule } | undefined> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'editSchedules', arg);
    if (!acting) return undefined;
    await acting.model.refreshSchedules();
    const held = acting.model.schedules.value;
    const named = scheduleIdOf(arg);
    if (named !== undefined) {
      const schedule = held.find((s) => s.id === named);
      if (!schedule) void this.ui.error(vscode.l10n.t('The orchestrator no longer holds the schedule {0}.', serverText(named, 64)));
      return schedule && { acting, schedule };
    }
    const candidates = held.filter(fits);
    if (candidates.length === 0) {
      void this.ui.info(vscode.l10n.t('No schedule to choose from.'), { modal: false });
      return undefined;
    }
    const items = candidates.map((schedule) => ({ label: serverText(schedule.id, 64), description: `${serverText(schedule.scenario, 60)} · ${serverText(schedule.cronExpr, 60)}`, schedule }));
    const picked = await this.ui.pick(items, { placeHolder });
    return picked && { acting, schedule: picked.schedule };
  }

  async add(arg?: unknown): Promise<string | undefined> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'editSchedules', arg);
    if (!acting) return undefined;
    const model = acting.model;
    await model.refreshSchedules();
    const scenarios = model.scenarios.value;
    if (scenarios.length === 0) {
      void this.ui.info(vscode.l10n.t('The orchestrator has no scenarios.'), { modal: false });
      return undefined;
    }
    const title = vscode.l10n.t('Add a schedule');
    const picked = await this.ui.pick(
      scenarios.map((scenario) => ({ label: serverText(scenario.name, 80), detail: serverText(scenario.description, 160), scenario })),
      { title, placeHolder: vscode.l10n.t('Which scenario?') },
    );
    if (!picked) return undefined;
    const scenario: Scenario = picked.scenario;
    const held = new Set(model.schedules.value.map((s) => s.id));
    const id = await this.ui.input({
      title,
      prompt: vscode.l10n.t('The schedule’s id (letters, digits, ".", "_", "-").'),
      ignoreFocusOut: true,
      validateInput: (text) => {
        if (!SCHEDULE_ID.test(text)) return vscode.l10n.t('Up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
        // The server would replace the row and register it a second time.
        if (held.has(text)) return vscode.l10n.t('The orchestrator already holds a schedule {0}: adding would replace it and register it twice.', text);
        return undefined;
      },
    });
    if (id === undefined) return undefined;
    const zone = cronZone(acting.server.endpoint);
    const cron = await this.ui.input({
      title,
      prompt: vscode.l10n.t('When it runs: five fields (minute hour day month weekday) read in {0}, a descriptor such as @daily, or @every 15m.', serverText(zone, 64)),
      ignoreFocusOut: true,
      validateInput: (text) => {
        const verdict = cronVerdict(text.trim(), zone);
        return { message: verdict.text, severity: verdict.ok ? vscode.InputBoxValidationSeverity.Info : vscode.InputBoxValidationSeverity.Error };
      },
    });
    if (cron === undefined) return undefined;
    // Checked again: a scripted or pasted value skips the box's check.
    const verdict = cronVerdict(cron.trim(), zone);
    if (!verdict.ok) {
      void this.ui.error(vscode.l10n.t('Not sent: {0}', verdict.text));
      return undefined;
    }
    const params = await this.ui.params(scenario, undefined, title);
    if (params === undefined) return undefined;
    const timezone = await this.ui.input({
      title,
      prompt: vscode.l10n.t('The zone of its date parameters (empty: the server’s). The cron itself is read in the server’s zone.'),
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' || isTimeZone(text.trim()) ? undefined : vscode.l10n.t('Not a time zone; expected a name such as "Europe/Moscow" or "UTC".')),
    });
    if (timezone === undefined) return undefined;
    const answer = await model.call((c, signal) => c.addSchedule({ id, scenario: scenario.name, cronExpr: cron.trim(), params, timezone: timezone.trim() }, { signal }));
    await model.refreshSchedules();
    const stored = model.schedules.value.find((s) => s.id === id);
    if (!answer.ok) {
      if (answer.problem.code === 'invalidParams' && stored) {
        const remove = vscode.l10n.t('Delete It');
        const chosen = await this.ui.error(
          vscode.l10n.t('The orchestrator refused the schedule {0} but stored it anyway ({1}). While it is stored the server will not start again after a restart. Delete it?', serverText(id, 64), orchestratorProblemText(answer.problem)),
          remove,
        );
        if (chosen === remove) await this.deleteOn(acting, stored);
      } else {
        void this.ui.error(problemMessage(vscode.l10n.t('Adding the schedule {0}', serverText(id, 64)), answer.problem));
      }
      return undefined;
    }
    if (!stored) {
      void this.ui.warn(vscode.l10n.t('The orchestrator answered that it added the schedule {0}, but does not list it.', serverText(id, 64)), { modal: false });
      return undefined;
    }
    void this.ui.info(vscode.l10n.t('The schedule {0} is added and enabled. {1}', serverText(id, 64), verdict.text), { modal: false });
    return id;
  }

  async enable(arg?: unknown): Promise<boolean> {
    const target = await this.target(arg, (s) => !s.enabled, vscode.l10n.t('Which disabled schedule to enable?'));
    if (!target) return false;
    const { acting, schedule } = target;
    if (schedule.enabled) {
      // The server would register it a second time; disabling would then stop only one of the two.
      void this.ui.warn(vscode.l10n.t('The schedule {0} is already enabled. Nothing was sent: enabling it again would make the server run it twice.', serverText(schedule.id, 64)), { modal: false });
      return false;
    }
    return this.toggle(acting, schedule, true);
  }

  async disable(arg?: unknown): Promise<boolean> {
    const target = await this.target(arg, (s) => s.enabled, vscode.l10n.t('Which schedule to disable?'));
    if (!target) return false;
    if (!target.schedule.enabled) {
      void this.ui.info(vscode.l10n.t('The schedule {0} is already disabled.', serverText(target.schedule.id, 64)), { modal: false });
      return false;
    }
    return this.toggle(target.acting, target.schedule, false);
  }

  private async toggle(acting: Acting, schedule: Schedule, enabled: boolean): Promise<boolean> {
    const answer = await acting.model.call((c, signal) => (enabled ? c.enableSchedule(schedule.id, { signal }) : c.disableSchedule(schedule.id, { signal })));
    await acting.model.refreshSchedules();
    const now = acting.model.schedules.value.find((s) => s.id === schedule.id);
    const name = serverText(schedule.id, 64);
    if (!answer.ok) {
      void this.ui.error(problemMessage(enabled ? vscode.l10n.t('Enabling the schedule {0}', name) : vscode.l10n.t('Disabling the schedule {0}', name), answer.problem));
      return false;
    }
    if (!now) {
      void this.ui.warn(vscode.l10n.t('The orchestrator does not hold the schedule {0} (it answers success for ids it does not know).', name), { modal: false });
      return false;
    }
    if (now.enabled !== enabled) {
      void this.ui.warn(vscode.l10n.t('The orchestrator answered success, but lists the schedule {0} as {1}.', name, now.enabled ? vscode.l10n.t('enabled') : vscode.l10n.t('disabled')), { modal: false });
      return false;
    }
    const said = enabled
      ? vscode.l10n.t('The schedule {0} is enabled.', name)
      : vscode.l10n.t('The schedule {0} is disabled. If it comes from the server’s seed files, it is enabled again when the server restarts.', name);
    void this.ui.info(said, { modal: false });
    return true;
  }

  async remove(arg?: unknown): Promise<boolean> {
    const target = await this.target(arg, () => true, vscode.l10n.t('Which schedule to delete?'));
    if (!target) return false;
    const remove = vscode.l10n.t('Delete');
    const chosen = await this.ui.warn(
      vscode.l10n.t('Delete the schedule {0} ({1}, {2})?', serverText(target.schedule.id, 64), serverText(target.schedule.scenario, 60), serverText(target.schedule.cronExpr, 60)),
      { modal: true, detail: vscode.l10n.t('A schedule from the server’s seed files comes back (enabled) when the server restarts.') },
      remove,
    );
    if (chosen !== remove) return false;
    return this.deleteOn(target.acting, target.schedule);
  }

  private async deleteOn(acting: Acting, schedule: Schedule): Promise<boolean> {
    const answer = await acting.model.call((c, signal) => c.deleteSchedule(schedule.id, { signal }));
    await acting.model.refreshSchedules();
    const name = serverText(schedule.id, 64);
    if (!answer.ok) {
      void this.ui.error(problemMessage(vscode.l10n.t('Deleting the schedule {0}', name), answer.problem));
      return false;
    }
    if (acting.model.schedules.value.some((s) => s.id === schedule.id)) {
      void this.ui.warn(vscode.l10n.t('The orchestrator answered success, but still lists the schedule {0}.', name), { modal: false });
      return false;
    }
    void this.ui.info(vscode.l10n.t('The schedule {0} is deleted.', name), { modal: false });
    return true;
  }
}
