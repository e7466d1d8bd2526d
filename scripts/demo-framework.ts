// The real framework in `npm run demo`, beside the simulator: when Go is there, the framework's own
// orchestrator runs a few real `tdtpcli --pipeline` files over a small SQLite dataset on schedules,
// publishing to the demo's Redis under result names `real:*` (the simulator's have no `real:`).
// Without Go it says the simulator runs alone. scripts/demo/sources.ts starts it after the simulator.
import { join } from 'node:path';
import { frameworkAvailability, pinnedFrameworkVersion, pipelineYaml, SAMPLE_SQL, seedSqlite } from '../test/support/framework';
import { scenarioYaml, startOrchestrator } from '../test/support/orchestrator';

/** What the demo lends: its output, its ownership of what is started, its temp dirs and commands. */
export interface DemoHooks {
  say(message: string): void;
  warn(message: string): void;
  own(resource: { name: string; stop(): Promise<void>; killNow(): void }): void;
  makeTempDir(prefix: string): string;
  checkpoint(): void;
  run(command: string, args: string[], what: string, options?: { inherit?: boolean }): Promise<void>;
  /** Adds user settings and workspace files to the editor's profile (false when none was opened). */
  extendProfile(settings: Record<string, unknown>, files: Record<string, string>): boolean;
}

/** The real pipelines: result name, schedule, and what each one shows in the viewer. */
const REAL_PIPELINES = [
  { scenario: 'customers-sync', resultName: 'real:customers:sync', every: '@every 10s', query: undefined, transform: undefined, shows: 'success' },
  { scenario: 'active-customers', resultName: 'real:customers:active', every: '@every 15s', query: undefined, transform: 'SELECT * FROM customers WHERE active = 1', shows: 'rows dropped (data quality)' },
  { scenario: 'legacy-import', resultName: 'real:legacy:import', every: '@every 25s', query: 'SELECT id FROM legacy_customers', transform: undefined, shows: 'fails at the source' },
] as const;

/** Starts the real pipelines, or says why not; returns the banner line saying which results are real. */
export async function startFrameworkDemo(root: string, redis: { host: string; port: number }, hooks: DemoHooks): Promise<[string, string]> {
  const version = pinnedFrameworkVersion();
  hooks.say(`the real framework: tdtpcli and orchestrator ${version} (bash scripts/setup-framework.sh)…`);
  try {
    await hooks.run('bash', [join(root, 'scripts', 'setup-framework.sh')], 'building the framework’s programs', { inherit: true });
  } catch (err) {
    hooks.warn(`could not build the framework's programs: ${(err as Error).message}`);
  }
  hooks.checkpoint();
  const found = frameworkAvailability();
  if (!found.ok) {
    hooks.say('  no Go here: the demo runs the simulator alone (install Go >= 1.25 for real tdtpcli pipelines beside it)');
    return ['Real pipelines', 'none: Go is not installed, so the simulator runs alone'];
  }
  const dir = hooks.makeTempDir('tdtp-demo-framework-');
  const sqlite = join(dir, 'shop.db');
  seedSqlite(found.tools, sqlite, SAMPLE_SQL);
  const address = `${redis.host}:${redis.port}`;
  const scenarios = Object.fromEntries(
    REAL_PIPELINES.map((p) => [
      p.scenario,
      scenarioYaml({ description: p.shows }, pipelineYaml({ name: `demo_${p.scenario.replace(/-/g, '_')}`, resultName: p.resultName, address, sqlite, query: p.query, transform: p.transform, output: join(dir, `${p.scenario}.tdtp.xml`) })),
    ]),
  );
  const orchestrator = await startOrchestrator(found.tools, {
    auth: 'none',
    scenarios,
    schedules: REAL_PIPELINES.map((p) => ({ id: p.scenario, scenario: p.scenario, schedule: p.every })),
  });
  hooks.own({ name: `the framework's orchestrator ${orchestrator.url}`, stop: () => orchestrator.dispose(), killNow: () => void orchestrator.dispose() });
  // The scheduler runs approved scenarios only.
  for (const p of REAL_PIPELINES) await orchestrator.approve(p.scenario);
  // A first run of each now, so the real rows show up at once instead of after the first tick.
  // One after another: the community floor lets one job started over HTTP run at a time.
  for (const p of REAL_PIPELINES) {
    try {
      await orchestrator.waitForJob(await orchestrator.run(p.scenario), ['done', 'failed', 'cancelled']);
    } catch (err) {
      hooks.warn(`  a first run of ${p.scenario}: ${(err as Error).message}`);
    }
  }
  // The Orchestrator view and the scenario files' lenses: the editor reads both while it runs.
  const files = Object.fromEntries(Object.entries(scenarios).map(([name, text]) => [`orchestrator/${name}.yaml`, text]));
  if (hooks.extendProfile({ 'tdtp.orchestrator.url': orchestrator.url, 'tdtp.orchestrator.auth': 'none' }, files)) {
    hooks.say('  the editor shows it in the Orchestrator view; its scenario files are in the workspace folder orchestrator/');
  }
  hooks.say(`  orchestrator ${version} on ${orchestrator.url} (no auth): ${REAL_PIPELINES.map((p) => `${p.resultName} ${p.every.replace('@every ', 'every ')}`).join(', ')}`);
  return ['Real pipelines', `tdtpcli ${version} through the framework's orchestrator (${orchestrator.url}, no auth), results real:* — ${REAL_PIPELINES.map((p) => `${p.resultName}: ${p.shows}`).join('; ')}; every other name is the simulator`];
}
