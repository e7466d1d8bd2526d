import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingProblemText } from '../../src/cli/settingWords';
import type { ConnectionSettings, ConnectionSettingsInput, SettingProblem } from '../../src/core/settings';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_PREFIX, parseConnectionSettings } from '../../src/core/settings';
import { describeEndpoint } from '../../src/core/endpoint';
import { readPem } from '../../src/core/pem';
import { toRedisOptions } from '../../src/core/redisOptions';
import { redactUrl } from '../../src/core/redisUrl';

function ok(input: ConnectionSettingsInput): ConnectionSettings {
  const result = parseConnectionSettings(input);
  if (!result.ok) assert.fail(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.settings;
}

function problems(input: ConnectionSettingsInput): SettingProblem[] {
  let result: ReturnType<typeof parseConnectionSettings> | undefined;
  assert.doesNotThrow(() => {
    result = parseConnectionSettings(input);
  });
  if (result!.ok) assert.fail(`expected problems for ${JSON.stringify(input)}`);
  return result!.problems;
}

/** The facts and the terminal's sentence: neither may carry a password. */
function shown(p: SettingProblem): string {
  return `${JSON.stringify(p)} ${settingProblemText(p)}`;
}

/** Exactly one problem, for this setting, its message (as the terminal tools word it) matching. */
function oneProblem(input: ConnectionSettingsInput, setting: keyof ConnectionSettingsInput, message?: RegExp): void {
  const found = problems(input);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].setting, setting);
  if (message) assert.match(settingProblemText(found[0]), message);
}

describe('parseConnectionSettings: defaults', () => {
  test('an empty input gives the reference worker defaults', () => {
    assert.deepEqual(ok({}), {
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      db: 0,
      username: undefined,
      password: undefined,
      prefix: DEFAULT_PREFIX,
      tls: { enabled: false, ca: undefined, cert: undefined, key: undefined, serverName: undefined, rejectUnauthorized: true },
    });
    assert.equal(DEFAULT_HOST, '127.0.0.1');
    assert.equal(DEFAULT_PORT, 6379);
    assert.equal(DEFAULT_PREFIX, 'tdtp:pipeline');
  });

  test('an empty or blank url is ignored', () => {
    assert.equal(ok({ url: '' }).host, DEFAULT_HOST);
    assert.equal(ok({ url: '   ' }).port, DEFAULT_PORT);
  });

  test('numeric strings and boolean strings are accepted', () => {
    const s = ok({ port: ' 6380 ', db: '3', tls: 'true', tlsRejectUnauthorized: 'false' });
    assert.equal(s.port, 6380);
    assert.equal(s.db, 3);
    assert.equal(s.tls.enabled, true);
    assert.equal(s.tls.rejectUnauthorized, false);
  });

  test('a non-zero db and the port bounds are accepted', () => {
    assert.equal(ok({ db: 15 }).db, 15);
    assert.equal(ok({ port: 1 }).port, 1);
    assert.equal(ok({ port: 65535 }).port, 65535);
  });
});

describe('parseConnectionSettings: every problem names its setting', () => {
  for (const port of [0, 65536, -1, 1.5, 'abc', '', '6379x', true, {}]) {
    test(`port ${JSON.stringify(port)}`, () => oneProblem({ port }, 'port', /port .*must be a port number from 1 to 65535/));
  }
  for (const host of ['', '   ', 'my host', 'host/path', 42]) {
    test(`host ${JSON.stringify(host)}`, () => oneProblem({ host }, 'host'));
  }
  for (const db of [-1, '-1', 1.5, 'zero', 2 ** 31]) {
    test(`db ${JSON.stringify(db)}`, () => oneProblem({ db }, 'db', /db .*must be a database number/));
  }
  const badUrls: Array<[string, RegExp]> = [
    ['not a url', /is not a URL/],
    ['localhost:6379', /scheme "localhost:" is not supported/],
    ['http://localhost:6379', /scheme "http:" is not supported/],
    ['unix:///tmp/redis.sock', /scheme "unix:" is not supported/],
    ['redis://localhost/abc', /URL path "\/abc" must be a database number/],
    ['redis://localhost/0/1', /URL path "\/0\/1" must be a database number/],
    ['redis://localhost:99999', /is not a URL/],
    ['redis:///0', /has no host/],
  ];
  for (const [url, why] of badUrls) {
    test(`url ${url}`, () => oneProblem({ url }, 'url', why));
  }
  test('url that is not text', () => oneProblem({ url: 6379 as unknown as string }, 'url'));
  for (const prefix of ['tdtp:pipeline:', ':', '', '  ', 5]) {
    test(`prefix ${JSON.stringify(prefix)}`, () => oneProblem({ prefix }, 'prefix'));
  }
  test('tls, tlsRejectUnauthorized, username, password and tlsServerName of the wrong type', () => {
    oneProblem({ tls: 'yes' }, 'tls', /tls must be true or false/);
    oneProblem({ tlsRejectUnauthorized: 0 }, 'tlsRejectUnauthorized');
    oneProblem({ username: 5 }, 'username', /username must be text/);
    oneProblem({ password: ['x'] }, 'password', /password must be text/);
    oneProblem({ tlsServerName: {} }, 'tlsServerName');
  });

  test('all problems are reported at once', () => {
    const found = problems({ host: '', port: 0, db: -1, prefix: 'x:', tls: 'maybe', url: 'http://h' });
    assert.deepEqual(found.map((p) => p.setting).sort(), ['db', 'host', 'port', 'prefix', 'tls', 'url']);
  });

  test('malformed %-escapes in the URL are a problem, not an exception', () => {
    oneProblem({ url: 'redis://:100%@localhost' }, 'url', /password has a malformed %-escape/);
    oneProblem({ url: 'redis://us%ZZer:pw@localhost' }, 'url', /user name has a malformed %-escape/);
    oneProblem({ url: 'redis://ho%st:6379' }, 'url', /host .* malformed %-escape/);
  });

  test('no problem message ever contains the password', () => {
    for (const url of [
      'redis://:s3cr3tPW@localhost:99999',
      'redis://user:s3cr3tPW@/0',
      'redis://user:s3cr3tPW@localhost/x',
      'http://user:s3cr3tPW@localhost',
      'redis://:s3cr3tPW%@localhost',
      'redis://user:s3cr3tPW@ho st',
      'redis://user:s3cr3tPW@@localhost:0',
    ]) {
      const found = problems({ url });
      for (const p of found) assert.ok(!shown(p).includes('s3cr3tPW'), `${url}: ${shown(p)}`);
    }
    for (const p of problems({ password: 's3cr3tPW', port: 0, host: '' })) assert.ok(!shown(p).includes('s3cr3tPW'));
  });

  test('a password holding / ? # or @ is not echoed either', () => {
    for (const url of [
      'redis://user:pa/s3cr3tPW@localhost',
      'redis://user:pa?s3cr3tPW@localhost',
      'redis://user:pa#s3cr3tPW@localhost',
      'redis://user:p@s3cr3tPW@localhost:0',
      'redis://:s3cr/3tPW@@host/x',
      'redis://s3cr3tPW/x@host/abc',
      'rediss://u:a/b?c#s3cr3tPW@ho st:6379/0',
    ]) {
      const found = problems({ url });
      assert.ok(found.length > 0, `${url} should be rejected`);
      for (const p of found) assert.ok(!settingProblemText(p).includes('s3cr3tPW'), `${url}: ${settingProblemText(p)}`);
    }
  });

  test('a password of any characters is never echoed (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('localhost', 'ho st', '', 'h:0', 'h/x'), (before, after, host) => {
        const url = `redis://user:${before}PW_Z9Q${after}@${host}`;
        const result = parseConnectionSettings({ url });
        if (!result.ok) for (const p of result.problems) assert.ok(!settingProblemText(p).includes('PW_Z9Q'), `${JSON.stringify(url)}: ${settingProblemText(p)}`);
      }),
      { numRuns: 500 },
    );
  });

  test('redactUrl hides everything between the scheme and the last @', () => {
    assert.equal(redactUrl('redis://user:pa/ss?x#y@host:6379/0'), 'redis://***@host:6379/0');
    assert.equal(redactUrl('redis://u:p@ss@host'), 'redis://***@host');
    assert.equal(redactUrl('redis://host:6379/0'), 'redis://host:6379/0');
    assert.ok(!redactUrl('user:pw@host').includes('pw'));
  });

  test('arbitrary url text never throws and never echoes userinfo (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), (before, after) => {
        const url = `redis://${before.replace(/[@/?#]/g, '')}:PW_Z9Q@${after}`;
        const result = parseConnectionSettings({ url });
        if (!result.ok) for (const p of result.problems) assert.ok(!shown(p).includes('PW_Z9Q'), `${JSON.stringify(url)}: ${shown(p)}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseConnectionSettings: URLs', () => {
  test('redis:// with port and db', () => {
    const s = ok({ url: 'redis://cache.internal:6380/2' });
    assert.equal(s.host, 'cache.internal');
    assert.equal(s.port, 6380);
    assert.equal(s.db, 2);
    assert.equal(s.tls.enabled, false);
  });

  test('rediss:// turns TLS on; default port and db', () => {
    const s = ok({ url: 'rediss://cache.internal' });
    assert.equal(s.tls.enabled, true);
    assert.equal(s.port, 6379);
    assert.equal(s.db, 0);
    assert.equal(ok({ url: 'REDISS://h/' }).tls.enabled, true);
  });

  test('user:password with percent-encoding', () => {
    const s = ok({ url: 'redis://app%40team:p%40ss%3Aw%2Frd%25@h:6379/1' });
    assert.equal(s.username, 'app@team');
    assert.equal(s.password, 'p@ss:w/rd%');
    const onlyPassword = ok({ url: 'redis://:secret@h' });
    assert.equal(onlyPassword.username, undefined);
    assert.equal(onlyPassword.password, 'secret');
    assert.equal(ok({ url: 'redis://пользователь:пароль@h' }).password, 'пароль');
  });

  test('IPv6 [::1]', () => {
    const s = ok({ url: 'redis://[::1]:6380/3' });
    assert.equal(s.host, '::1');
    assert.equal(s.port, 6380);
    assert.equal(s.db, 3);
    assert.equal(describeEndpoint(s), 'redis://[::1]:6380/3');
    assert.equal(ok({ host: '[::1]' }).host, '::1');
    assert.equal(ok({ host: '::1' }).host, '::1');
  });

  test('explicit fields override the URL', () => {
    const s = ok({ url: 'rediss://u:p@urlhost:1111/2', host: 'explicit', port: 2222, db: 4, username: 'v', password: 'q', tls: false });
    assert.deepEqual(
      { host: s.host, port: s.port, db: s.db, username: s.username, password: s.password, tls: s.tls.enabled },
      { host: 'explicit', port: 2222, db: 4, username: 'v', password: 'q', tls: false },
    );
    // Fields not given keep the URL's values.
    const partial = ok({ url: 'rediss://u:p@urlhost:1111/2', db: 7 });
    assert.deepEqual(
      { host: partial.host, port: partial.port, db: partial.db, username: partial.username, password: partial.password, tls: partial.tls.enabled },
      { host: 'urlhost', port: 1111, db: 7, username: 'u', password: 'p', tls: true },
    );
  });

  test('a port of 0 in the URL is reported against port', () => {
    oneProblem({ url: 'redis://h:0' }, 'port');
  });
});

describe('describeEndpoint', () => {
  test('shows scheme, user, host, port and db, never the password', () => {
    const s = ok({ url: 'rediss://admin:Sup3rS3cret@redis.example.com:6390/5' });
    const text = describeEndpoint(s);
    assert.equal(text, 'rediss://admin@redis.example.com:6390/5');
    assert.ok(!text.includes('Sup3rS3cret'));
    assert.equal(describeEndpoint(ok({})), 'redis://127.0.0.1:6379/0');
    assert.equal(describeEndpoint(ok({ password: 'Sup3rS3cret' })), 'redis://127.0.0.1:6379/0');
  });
});

describe('toRedisOptions', () => {
  test('no TLS options unless TLS is enabled', () => {
    const s = ok({ tlsCa: 'CA PEM', tlsServerName: 'x' });
    assert.equal(toRedisOptions(s, 'subscriber', 5000).tls, undefined);
  });

  test('TLS options when enabled, rejectUnauthorized honoured both ways', () => {
    const strict = toRedisOptions(ok({ url: 'rediss://h', tlsCa: 'CA', tlsCert: 'CERT', tlsKey: 'KEY', tlsServerName: 'redis.internal' }), 'commands', 5000);
    assert.deepEqual(strict.tls, { rejectUnauthorized: true, ca: 'CA', cert: 'CERT', key: 'KEY', servername: 'redis.internal' });
    const lax = toRedisOptions(ok({ tls: true, tlsRejectUnauthorized: false }), 'commands', 5000);
    assert.deepEqual(lax.tls, { rejectUnauthorized: false });
  });

  test('endpoint, credentials, db and our own reconnection policy', () => {
    const s = ok({ url: 'redis://user:pw@h:6390/4' });
    const sub = toRedisOptions(s, 'subscriber', 3000);
    assert.equal(sub.host, 'h');
    assert.equal(sub.port, 6390);
    assert.equal(sub.db, 4);
    assert.equal(sub.username, 'user');
    assert.equal(sub.password, 'pw');
    assert.equal(sub.connectionName, 'tdtp-viewer-subscriber');
    assert.equal(sub.lazyConnect, true);
    assert.equal(sub.enableOfflineQueue, false);
    assert.equal(sub.autoResubscribe, false);
    assert.equal(sub.connectTimeout, 3000);
    assert.equal(sub.commandTimeout, undefined);
    assert.equal(typeof sub.retryStrategy, 'function');
    assert.equal(sub.retryStrategy?.(1), null);
    const cmd = toRedisOptions(s, 'commands', 3000);
    assert.equal(cmd.connectionName, 'tdtp-viewer-commands');
    assert.equal(cmd.commandTimeout, 3000);
  });
});

describe('readPem', () => {
  test('reads the file; a leading ~ is the home directory, as in both front ends', () => {
    const home = mkdtempSync(join(tmpdir(), 'tdtp-home-'));
    const saved = process.env.HOME;
    try {
      process.env.HOME = home;
      writeFileSync(join(home, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
      assert.deepEqual(readPem('~/ca.pem'), { ok: true, pem: '-----BEGIN CERTIFICATE-----\n' });
      assert.deepEqual(readPem(join(home, 'ca.pem')), { ok: true, pem: '-----BEGIN CERTIFICATE-----\n' });
      assert.deepEqual(readPem('~/missing.pem'), { ok: false, errno: 'ENOENT' });
    } finally {
      process.env.HOME = saved;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
