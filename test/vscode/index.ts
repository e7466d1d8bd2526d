// Entry point of the in-VS-Code suite: the `run()` contract of @vscode/test-electron's
// extensionTestsPath, which the code-server runner extension calls too.
import Mocha from 'mocha';

export function run(): Promise<void> {
  // TDTP_GREP runs only the tests whose titles match (a developer's quick loop; CI never sets it).
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec', grep: process.env.TDTP_GREP || undefined });
  // Set describe/it on the global context, then load the suites (lazily bundled requires).
  mocha.suite.emit('pre-require', globalThis, 'tdtp-suite', mocha);
  // Must run after pre-require, so not hoisted imports. TDTP_SUITE picks the Restricted Mode suite.
  if (process.env.TDTP_SUITE === 'restricted') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./restricted.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-view-restricted.test');
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./extension.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./hostile.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./workspace.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./api.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./commands.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./alerts.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./remember.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./actions.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./secrets.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./framework.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./settingsScope.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./flood.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-admin.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-view.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-link.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-more.test');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./orchestrator-lifecycle.test');
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-VS-Code test(s) failed`)) : resolve()));
  });
}
