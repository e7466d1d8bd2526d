// The terminal tools end to end: dist/tdtp-watch.js and dist/tdtp-emit.js as built, run as
// processes against a real redis-server.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type Redis from 'ioredis';
import { encodeLikeGo, publishResult } from '../../src/core/publish';
import type { RedisServer } from '../support/redisServer';
import { KEYS, LineReader, freePort, startRedis } from '../support/redisServer';
import { buildResult } from '../support/builders';

const ROOT = resolve(__dirname, '../..');
const WATCH = join(ROOT, 'dist/tdtp-watch.js');
const EMIT = join(ROOT, 'dist/tdtp-emit.js');

/** Without the user's own Redis settings, colours or password. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TDTP_') && k !== 'FORCE_COLOR'));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  out: LineReader;
  err: LineReader;
  exited: Promise<Finished>;
}

const running: ChildProcess[] = [];

function start(tool: string, args: string[]): Running {
  const child = spawn(process.execPath, [tool, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  const out = new LineReader(child.stdout!);
  const err = new LineReader(child.stderr!);
  const exited = new Promise<Finished>((resolveExit) =>
    child.once('close', (code, signal) => resolveExit({ code, signal, stdout: out.lines.join('\n'), stderr: err.lines.join('\n') })),
  );
  return { child, out, err, exited };
}

/** Runs a tool to its end (at most `timeoutMs`). */
async function run(tool: string, args: string[], timeoutMs = 10_000): Promise<Finished> {
  const { child, exited } = start(tool, args);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = await exited;
  clearTimeout(timer);
  assert.equal(finished.signal, null, `${tool} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${finished.stdout}\n${finished.stderr}`);
  return finished;
}

/** Sends SIGINT and expects a clean exit 0. */
async function interrupt(watch: Running): Promise<Finished> {
  watch.child.kill('SIGINT');
  const timer = setTimeout(() => watch.child.kill('SIGKILL'), 5000);
  const finished = await watch.exited;
  clearTimeout(timer);
  assert.equal(finished.signal, null, 'tdtp-watch should exit by itself on SIGINT');
  assert.equal(finished.code, 0, `exit code after SIGINT; stderr: ${finished.stderr}`);
  return finished;
}

let server: RedisServer;
let admin: Redis;
let port: string;

before(async () => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `the build failed:\n${build.stdout}\n${build.stderr}`);
  server = await startRedis();
  admin = await server.client();
  port = String(server.port);
});

afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await admin.flushall();
});

after(() => server.dispose());

describe('tdtp-watch with tdtp-emit', () => {
  test('prints the existing states, then what tdtp-emit publishes, survives garbage, stops on SIGINT', async () => {
    await publishResult(admin, KEYS, buildResult('OLD_A'));
    await publishResult(admin, KEYS, buildResult('OLD_B', { status: 'failed', rows_exported: 0, error: 'disk full' }));
    const watch = start(WATCH, ['--port', port]);
    await watch.out.waitForLine(/^Loaded 2 existing states in \d+ ms\.$/, 5000);
    const lines = watch.out.lines;
    assert.match(lines[0], new RegExp(`^Connecting to redis://127\\.0\\.0\\.1:${port}/0 …$`));
    assert.ok(lines.some((l) => /^Connected to .*; watching tdtp:pipeline:\*$/.test(l)));
    const loadedAt = lines.findIndex((l) => l.startsWith('Loaded 2'));
    const oldA = lines.findIndex((l) => /✓ success {2}OLD_A \(old_a_pipeline\) {2}1\.84s {2}rows 15000 → 15000 \(existing state\)$/.test(l));
    const oldB = lines.findIndex((l) => /✗ failed {2}OLD_B \(old_b_pipeline\) .* \(existing state\)$/.test(l));
    assert.ok(oldA >= 0 && oldA < loadedAt, `OLD_A is printed before the load summary:\n${lines.join('\n')}`);
    assert.ok(oldB >= 0 && oldB < loadedAt);
    assert.equal(lines[oldB + 1], '    error: disk full');

    let from = lines.length;
    const failed = await run(EMIT, ['--port', port, '--result', 'NEW_V001', '--status', 'failed', '--error', 'first line\nsecond line']);
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, /^Published to tdtp:pipeline:NEW_V001 \(1 subscriber\); state key tdtp:pipeline:NEW_V001:state expires in 3600 s\./);
    await watch.out.waitForLine(/✗ failed {2}NEW_V001 \(new_v001\) {2}1\.50s {2}rows 1000 → 0$/, 5000, from);
    await watch.out.waitForLine(/^ {4}error: first line$/, 5000, from);
    await watch.out.waitForLine(/^ {11}second line$/, 5000, from);

    from = watch.out.lines.length;
    const garbage = await run(EMIT, ['--port', port, '--result', 'BAD_V001', '--raw', 'not json']);
    assert.equal(garbage.code, 0, garbage.stderr);
    await watch.out.waitForLine(/✗ rejected message on tdtp:pipeline:BAD_V001: payload is not JSON/, 5000, from);
    await watch.out.waitForLine(/^ {4}raw \(8 bytes\): not json$/, 5000, from);

    from = watch.out.lines.length;
    const dq = await run(EMIT, ['--port', port, '--result', 'NEW_V002', '--rows-loaded', '100', '--rows-exported', '90', '--duration-ms', '61000']);
    assert.equal(dq.code, 0, dq.stderr);
    await watch.out.waitForLine(/✓ success {2}NEW_V002 \(new_v002\) {2}1m 01s {2}rows 100 → 90$/, 5000, from);
    await watch.out.waitForLine(/⚠ data quality: 10 rows dropped by validator\/filter \(10%/, 5000, from);

    const finished = await interrupt(watch);
    assert.equal(watch.out.lines.at(-1), 'Stopped.');
    assert.equal(finished.stderr, '');
  });

  test('--json writes one JSON object per line', async () => {
    await publishResult(admin, KEYS, buildResult('JSON_OLD'));
    const watch = start(WATCH, ['--port', port, '--json']);
    await watch.out.waitForLine((l) => l.includes('"type":"reconcile"'), 5000);
    assert.equal((await run(EMIT, ['--port', port, '--result', 'JSON_NEW', '--status', 'completed_with_errors', '--error', 'enc'])).code, 0);
    assert.equal((await run(EMIT, ['--port', port, '--result', 'JSON_BAD', '--raw', '{"oops":'])).code, 0);
    await watch.out.waitForLine((l) => l.includes('"type":"rejected"'), 5000);
    const finished = await interrupt(watch);
    assert.equal(finished.stderr, '');

    const objects = watch.out.lines.map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`line ${i + 1} is not JSON: ${line}`);
      }
    });
    assert.deepEqual(
      objects.map((o) => [o.type, o.kind ?? o.source ?? null]),
      [
        ['connection', 'connecting'],
        ['connection', 'connected'],
        ['run', 'loaded'],
        ['reconcile', 'loaded'],
        ['run', 'live'],
        ['rejected', 'tdtp:pipeline:JSON_BAD'],
        ['connection', 'idle'],
      ],
    );
    const live = objects[4] as { result_name: string; status_kind: string; event: Record<string, unknown>; channel: string };
    assert.equal(live.result_name, 'JSON_NEW');
    assert.equal(live.status_kind, 'completed_with_errors');
    assert.equal(live.channel, 'tdtp:pipeline:JSON_NEW');
    assert.equal(live.event.error, 'enc');
    assert.match(String((objects[5] as { reason: string }).reason), /not JSON/);
  });

  test('a newline in a wire string cannot forge a line of its own', async () => {
    const forged = '\n[00:00:00] ✓ success  FORGED_V001 (forged_pipeline)';
    await admin.set(KEYS.stateKey('FORGE_V001'), encodeLikeGo(buildResult('FORGE_V001', { pipeline_name: `p${forged}`, package_uuid: `u${forged}` })), 'EX', 300);
    const found = await run(WATCH, ['--port', port, '--poll', 'FORGE_V001']);
    assert.equal(found.code, 0, found.stderr);
    const lines = found.stdout.split('\n');
    assert.deepEqual(lines.filter((l) => /^\[00:00:00\]/.test(l)), [], found.stdout);
    assert.ok(lines.some((l) => l.includes('(p\\n[00:00:00] ✓ success  FORGED_V001')), found.stdout);
  });

  test('a watched name that comes back (kept sanitised for the next line) is escaped every time', async () => {
    const forged = '\n[00:00:00] ✓ success  FORGED_V002 (forged_pipeline)';
    const long = `q${'x'.repeat(200)}${forged}`; // over the length kept: sanitised afresh each time
    const watch = start(WATCH, ['--port', port]);
    await watch.out.waitForLine(/^Loaded \d+ existing states? in \d+ ms\.$/, 5000);
    for (let i = 0; i < 2; i++) {
      for (const pipeline of [`p${forged}`, long]) {
        const from = watch.out.lines.length;
        await publishResult(admin, KEYS, buildResult('FORGE_V002', { pipeline_name: pipeline, rows_loaded: 10 + i }));
        await watch.out.waitForLine(/✓ success {2}FORGE_V002 \(/, 5000, from);
      }
    }
    const finished = await interrupt(watch);
    const lines = finished.stdout.split('\n');
    assert.deepEqual(lines.filter((l) => /^\[00:00:00\]/.test(l)), [], finished.stdout);
    assert.equal(lines.filter((l) => l.includes('FORGE_V002 (p\\n[00:00:00] ✓ success  FORGED_V002 (forged_pipeline))')).length, 2, finished.stdout);
    assert.equal(lines.filter((l) => l.includes(`xx\\n[00:00:00] ✓ success  FORGED_V002`)).length, 2, finished.stdout);
  });

  test('--poll exits 0 when the state is found, 1 when it is absent', async () => {
    await admin.set(KEYS.stateKey('POLL_V001'), encodeLikeGo(buildResult('POLL_V001', { status: 'failed', error: 'x' })), 'EX', 300);
    const found = await run(WATCH, ['--port', port, '--poll', 'POLL_V001']);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /✗ failed {2}POLL_V001 \(poll_v001_pipeline\).*\(polled\)/);
    assert.match(found.stdout, /\n {2}state expires in [45]m \d\ds$/);

    const json = await run(WATCH, ['--port', port, '--poll', 'POLL_V001', '--json']);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { type: string; source: string; ttl_ms: number; result_name: string };
    assert.equal(parsed.source, 'polled');
    assert.equal(parsed.result_name, 'POLL_V001');
    assert.ok(parsed.ttl_ms > 290_000 && parsed.ttl_ms <= 300_000, String(parsed.ttl_ms));

    const absent = await run(WATCH, ['--port', port, '--poll', 'NONE_V001']);
    assert.equal(absent.code, 1);
    assert.match(absent.stdout, /^No state for NONE_V001: the key tdtp:pipeline:NONE_V001:state does not exist/);
    const absentJson = await run(WATCH, ['--port', port, '--poll', 'NONE_V001', '--json']);
    assert.equal(absentJson.code, 1);
    assert.deepEqual(JSON.parse(absentJson.stdout), { type: 'poll', result_name: 'NONE_V001', found: false });
  });

  test('after CLIENT KILL it says Reconnecting, recovered N states and the gap, then goes on', async () => {
    await publishResult(admin, KEYS, buildResult('KEEP_V001'));
    const watch = start(WATCH, ['--port', port]);
    await watch.out.waitForLine(/^Loaded 1 existing state in/, 5000);
    // A state written without its event (as if the event was lost): only the reconcile sees it.
    await admin.set(KEYS.stateKey('QUIET_V001'), encodeLikeGo(buildResult('QUIET_V001', { status: 'failed', error: 'q' })), 'EX', 300);
    const from = watch.out.lines.length;
    assert.equal(await admin.client('KILL', 'TYPE', 'pubsub'), 1);
    await watch.out.waitForLine(/^! Redis at .* closed the subscription while the server stayed up.* Reconnecting in \d+\.\d s \(attempt 1\) …$/, 5000, from);
    await watch.out.waitForLine(/✗ failed {2}QUIET_V001 .*\(recovered from state\)$/, 5000, from);
    await watch.out.waitForLine(/^Reconciled with the state keys: recovered 1 state of 2\. Gap \d\d:\d\d:\d\d–\d\d:\d\d:\d\d: events in it may have been lost\.$/, 5000, from);
    const after = watch.out.lines.length;
    assert.equal((await run(EMIT, ['--port', port, '--result', 'KEEP_V001', '-q'])).code, 0);
    await watch.out.waitForLine(/✓ success {2}KEEP_V001 \(keep_v001\) .*→ 1000$/, 5000, after);
    const finished = await interrupt(watch);
    assert.equal(finished.stderr, '');
  });
});

describe('tdtp-watch and tdtp-emit when something is wrong', () => {
  test('tdtp-watch | head: a reader that goes away ends the watcher quietly with exit 0', async () => {
    const watch = start(WATCH, ['--port', port]);
    await watch.out.waitForLine(/^Connected to /, 10_000);
    watch.child.stdout!.destroy(); // what `head` does once it has its lines
    for (let i = 0; i < 3; i++) await publishResult(admin, KEYS, buildResult(`PIPE_${i}`), 60);
    const timer = setTimeout(() => watch.child.kill('SIGKILL'), 5000);
    const finished = await watch.exited;
    clearTimeout(timer);
    assert.equal(finished.signal, null, 'it exits by itself');
    assert.equal(finished.code, 0, finished.stderr);
    assert.doesNotMatch(finished.stderr, /EPIPE|Error/);
  });

  test('an unreachable Redis exits 3 with a clear message', async () => {
    const nowhere = String(await freePort());
    for (const args of [[WATCH, '--port', nowhere], [WATCH, '--port', nowhere, '--poll', 'X'], [EMIT, '--port', nowhere, '--result', 'X']]) {
      const [tool, ...rest] = args;
      const finished = await run(tool, rest);
      assert.equal(finished.code, 3, `${rest.join(' ')}: ${finished.stderr}`);
      assert.match(finished.stderr, new RegExp(`^tdtp-(watch|emit): Nothing accepts connections at 127\\.0\\.0\\.1:${nowhere}: is redis-server running there`));
      assert.doesNotMatch(finished.stderr, /at .*\.js:\d+|Error:/, 'no stack trace');
    }
  });

  test('wrong usage exits 2 and says what is wrong', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      [WATCH, ['--bogus'], /^tdtp-watch: Unknown option '--bogus'/],
      [WATCH, ['--port', '99999'], /^tdtp-watch: --port: port is "99999"; it must be a port number from 1 to 65535/],
      [WATCH, ['--history', 'many'], /--history must be a whole number/],
      [WATCH, ['--history', '0'], /--history must be at least 1/],
      [WATCH, ['--url', 'http://example.com'], /URL scheme "http:" is not supported/],
      [WATCH, ['stray'], /Unexpected argument 'stray'/],
      [EMIT, ['--port', port], /^tdtp-emit: --result is required/],
      [EMIT, ['--port', port, '--result', 'X', '--rows-loaded', '-5'], /--rows-loaded/],
      [EMIT, ['--port', port, '--result', 'X', '--ttl', '0'], /--ttl must be at least 1 second/],
    ];
    for (const [tool, args, message] of cases) {
      const finished = await run(tool, args);
      assert.equal(finished.code, 2, `${args.join(' ')}: ${finished.stderr}`);
      assert.match(finished.stderr, message);
      assert.match(finished.stderr, /Run tdtp-(watch|emit) --help for the options\./);
    }
    assert.equal(await admin.exists(KEYS.stateKey('X')), 0, 'nothing was written');
    const help = await run(WATCH, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--poll RESULT_NAME/);
  });
});

describe('the terminal tools with credentials', () => {
  let protectedServer: RedisServer;
  let protectedAdmin: Redis;
  let protectedPort: string;
  before(async () => {
    protectedServer = await startRedis({ password: 'topsecret' });
    protectedAdmin = await protectedServer.client();
    protectedPort = String(protectedServer.port);
    await protectedAdmin.call('ACL', 'SETUSER', 'viewer', 'reset', 'on', '>viewerpw', '~tdtp:pipeline:*', '&tdtp:pipeline:*', '+psubscribe', '+ping', '+scan', '+mget', '+get', '+pttl');
  });
  after(() => protectedServer.dispose());

  test('a wrong password exits 3 and says so; the password also comes from TDTP_REDIS_PASSWORD', async () => {
    const wrong = await run(WATCH, ['--port', protectedPort, '--password', 'nope']);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /rejected the password for the default user/);
    const none = await run(EMIT, ['--port', protectedPort, '--result', 'X']);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /requires a password and none was given/);

    const withEnv = spawnSync(process.execPath, [EMIT, '--port', protectedPort, '--result', 'ENV_V001', '-q'], { env: { ...ENV, TDTP_REDIS_PASSWORD: 'topsecret' }, encoding: 'utf8' });
    assert.equal(withEnv.status, 0, withEnv.stderr);
    assert.equal(withEnv.stdout, '');
    assert.equal(await protectedAdmin.exists(KEYS.stateKey('ENV_V001')), 1);
  });

  test('the least-privilege ACL user watches and polls, with nothing on stderr', async () => {
    await protectedAdmin.flushall();
    await publishResult(protectedAdmin, KEYS, buildResult('ACL_V001'));
    const auth = ['--port', protectedPort, '--username', 'viewer', '--password', 'viewerpw'];
    const polled = await run(WATCH, [...auth, '--poll', 'ACL_V001']);
    assert.equal(polled.code, 0, polled.stderr);
    assert.equal(polled.stderr, '');
    const watch = start(WATCH, auth);
    await watch.out.waitForLine(/^Loaded 1 existing state/, 5000);
    const from = watch.out.lines.length;
    await publishResult(protectedAdmin, KEYS, buildResult('ACL_V002'));
    await watch.out.waitForLine(/✓ success {2}ACL_V002/, 5000, from);
    const finished = await interrupt(watch);
    assert.equal(finished.stderr, '');
    // A user without key access is told what is missing, and the tool stops (3) instead of retrying.
    await protectedAdmin.call('ACL', 'SETUSER', 'nokeys', 'reset', 'on', '>pw', '&tdtp:pipeline:*', '+psubscribe', '+ping', '+scan', '+mget', '+get', '+pttl');
    const denied = await run(WATCH, ['--port', protectedPort, '--username', 'nokeys', '--password', 'pw']);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /User "nokeys" .* lacks access to the keys tdtp:pipeline:\* \(~tdtp:pipeline:\*\)/);
  });
});
