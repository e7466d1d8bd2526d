// The launcher the tests and `npm run demo` share (test/support/redisServer.ts): a server that
// died under its owner (killed by a signal, as by the OOM killer or a person) is seen as gone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { portInUse, startRedis } from '../support/redisServer';

describe('the Redis launcher', () => {
  test('a server killed by a signal is no longer running, and stop() and dispose() return', { timeout: 30_000 }, async () => {
    let exited!: (signal: NodeJS.Signals | null) => void;
    const exit = new Promise<NodeJS.Signals | null>((done) => (exited = done));
    const server = await startRedis({ onExit: (_code, signal) => exited(signal) });
    const pid = server.pid;
    assert.ok(pid, 'a running server has a pid');
    process.kill(pid, 'SIGKILL');
    assert.equal(await exit, 'SIGKILL', 'onExit hears of it');
    assert.equal(server.running, false);
    assert.equal(server.pid, undefined);
    const stopped = await Promise.race([server.dispose().then(() => 'returned'), new Promise((done) => setTimeout(() => done('still waiting after 5 s'), 5000).unref())]);
    assert.equal(stopped, 'returned');
    assert.equal(await portInUse(server.port), false);
  });
});
