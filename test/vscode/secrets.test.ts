// Ring 2: passwords stay where they belong. A stored password is bound to the endpoint it was
// saved for, and a password written into tdtp.redis.url or a tdtp.connections url is offered a
// move into secret storage.
import * as assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { ElsewhereQuestion } from '../../src/vscode/connections/secrets';
import type { Testing } from '../../src/vscode/testing';
import type { MoveQuestion } from '../../src/vscode/connections/urlPassword';
import { namedSettingProblemText } from '../../src/vscode/words/settings';
import type { RedisServer } from '../support/redisServer';
import { startRedis } from '../support/redisServer';
import { useExtension } from './harness';
import { untilEvent } from './waitFor';

const PASSWORD = 'bound-pä/ss';

/** Failed AUTH attempts a server recorded (ACL LOG, reason "auth"): a password sent to it that it does not take. */
async function authAttempts(server: RedisServer): Promise<number> {
  const admin: Redis = await server.client();
  try {
    const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
    return entries.filter((entry) => entry[entry.indexOf('reason') + 1] === 'auth').length;
  } finally {
    admin.disconnect();
  }
}

/** The viewer's clients on a server (they name themselves tdtp-viewer-…). */
async function viewerClients(server: RedisServer): Promise<number> {
  const admin: Redis = await server.client();
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => / name=tdtp-viewer-/.test(line)).length;
  } finally {
    admin.disconnect();
  }
}

describe('Passwords: bound to their endpoint, and kept out of settings', function () {
  const ext = useExtension();
  const setRedis = async (settings: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(settings)) await ext.settings.update(`redis.${key}`, value, vscode.ConfigurationTarget.Global);
  };
  let first: RedisServer;
  let second: RedisServer;
  /** A trusted repository's server: its workspace settings point the default connection there. */
  let lure: RedisServer;
  let t: Testing;
  let askElsewhere: ElsewhereQuestion;
  let askMove: MoveQuestion;
  const connected = () => untilEvent('the viewer to be connected', () => (t.connection.state.kind === 'connected' ? t.connection.state : undefined), [t.connection.onDidChangeState]);

  before(async () => {
    [first, second, lure] = await Promise.all([startRedis({ password: PASSWORD }), startRedis({ password: PASSWORD }), startRedis({ password: 'the-lure-s-own' })]);
    t = ext.testing;
    askElsewhere = t.passwords.askElsewhere;
    askMove = t.urlPasswords.ask;
  });

  after(async () => {
    t.passwords.askElsewhere = askElsewhere;
    t.urlPasswords.ask = askMove;
    await t.passwords.clear();
    await Promise.all([first?.dispose(), second?.dispose(), lure?.dispose()]);
  });

  it('does not send a stored password to the host a connection now points at, unless the user agrees', async () => {
    const firstEndpoint = `redis://127.0.0.1:${first.port}`;
    const secondEndpoint = `redis://127.0.0.1:${second.port}`;
    await setRedis({ port: first.port });
    await t.passwords.set(PASSWORD, 'default', 'redis', firstEndpoint);
    await t.connection.connect();
    await connected();

    const asked: Array<Array<string | undefined>> = [];
    let answer = false;
    t.passwords.askElsewhere = async (connection, kind, savedFor, now) => {
      asked.push([connection, kind, savedFor, now]);
      return answer;
    };
    await setRedis({ port: second.port });
    const refused = await untilEvent('the password to be held back', () => (t.connection.state.kind === 'notConfigured' ? t.connection.state : undefined), [t.connection.onDidChangeState]);
    assert.deepEqual(asked, [['default', 'redis', firstEndpoint, secondEndpoint]]);
    assert.match(refused.problems.map(namedSettingProblemText).join('\n'), new RegExp(`saved for ${firstEndpoint}; it is not sent to ${secondEndpoint}`));
    assert.equal(await viewerClients(second), 0, 'nothing connected to the other server');
    assert.equal((await t.passwords.getBound())?.endpoint, firstEndpoint, 'still bound where it was saved');

    answer = true;
    await t.connection.connect();
    const state = await connected();
    assert.equal(state.node, `127.0.0.1:${second.port}`);
    assert.equal(asked.length, 2);
    assert.equal((await t.passwords.getBound())?.endpoint, secondEndpoint, 'now bound to where the user sent it');
  });

  it('offers to move a password out of tdtp.redis.url, and moves it to secret storage', async () => {
    await t.passwords.clear();
    const asked: string[][] = [];
    t.urlPasswords.ask = async (scope, shownUrl) => {
      asked.push([scope, shownUrl]);
      return true;
    };
    const bare = `redis://127.0.0.1:${first.port}/0`;
    await setRedis({ port: undefined, url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${first.port}/0` });
    const config = () => vscode.workspace.getConfiguration('tdtp').inspect<string>('redis.url')?.globalValue;
    await untilEvent('the setting to be rewritten without its password', () => (config() === bare ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
    assert.deepEqual(asked, [['user', `redis://***@127.0.0.1:${first.port}/0`]], 'asked once, naming the URL without its password');
    assert.equal(await t.passwords.get(), PASSWORD);
    const state = await untilEvent('connected with the moved password', () => (t.connection.state.kind === 'connected' && t.connection.state.node === `127.0.0.1:${first.port}` ? true : undefined), [t.connection.onDidChangeState]);
    assert.ok(state);
  });

  it('offers to move a password out of a tdtp.connections url, and stores it under that connection', async () => {
    await setRedis({ url: undefined });
    await t.passwords.clear();
    const asked: string[][] = [];
    t.urlPasswords.ask = async (scope, shownUrl, setting, replaces) => {
      asked.push([scope, shownUrl, setting, String(replaces)]);
      return true;
    };
    const bare = `redis://127.0.0.1:${first.port}/0`;
    const withPassword = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${first.port}/0`;
    try {
      // The third entry repeats a name: it is no connection, and its password must not replace the second's.
      const repeated = { name: 'team', url: `redis://:other@127.0.0.1:${second.port}/0` };
      await ext.settings.update('connections', [{ name: 'plain', url: bare }, { name: 'team', url: withPassword }, repeated], vscode.ConfigurationTarget.Global);
      const entries = () => vscode.workspace.getConfiguration('tdtp').inspect<Array<{ name: string; url: string }>>('connections')?.globalValue;
      await untilEvent('the entry to be rewritten without its password', () => (entries()?.[1]?.url === bare ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
      assert.deepEqual(asked, [['user', `redis://***@127.0.0.1:${first.port}/0`, 'tdtp.connections[1].url', 'false']], 'asked once, naming the entry and the URL without its password');
      assert.deepEqual(entries(), [{ name: 'plain', url: bare }, { name: 'team', url: bare }, repeated], 'only that entry changed');
      assert.deepEqual(await t.passwords.getBound('team'), { password: PASSWORD, endpoint: `redis://127.0.0.1:${first.port}` }, 'stored under the connection name, bound to where the entry points');
      assert.equal(await t.passwords.get(), undefined, 'not under the default connection');
      await untilEvent('the team connection connected with the moved password', () => {
        const team = t.viewer.get('team');
        return team?.state.kind === 'connected' ? true : undefined;
      }, [t.viewer.onDidChangeState]);
    } finally {
      await ext.settings.update('connections', undefined, vscode.ConfigurationTarget.Global);
      await t.passwords.clear('team');
    }
  });

  /** The workspace settings of the suite's (trusted) folder point the default connection at the lure. */
  async function lureInWorkspace(on: boolean): Promise<void> {
    await ext.settings.update('redis.url', on ? `redis://127.0.0.1:${lure.port}/0` : undefined, vscode.ConfigurationTarget.Workspace);
  }

  /** No URL, port or password of the user's; every question about sending the password elsewhere is recorded and answered no. */
  async function freshStartRefusing(): Promise<Array<Array<string | undefined>>> {
    await setRedis({ url: undefined, port: undefined });
    await t.passwords.clear();
    const asked: Array<Array<string | undefined>> = [];
    t.passwords.askElsewhere = async (connection, kind, savedFor, now) => {
      asked.push([connection, kind, savedFor, now]);
      return false;
    };
    return asked;
  }

  const heldBackOrSent = () =>
    untilEvent('the password held back, or sent and refused', () => {
      const state = t.connection.state;
      return state.kind === 'notConfigured' || (state.kind === 'failed' && state.problem.code === 'auth-failed') ? state : undefined;
    }, [t.connection.onDidChangeState]);

  it('binds a password moved out of tdtp.redis.url to where that URL points: a workspace pointing the connection elsewhere never receives it', async () => {
    const asked = await freshStartRefusing();
    t.urlPasswords.ask = async () => true;
    const firstEndpoint = `redis://127.0.0.1:${first.port}`;
    try {
      await lureInWorkspace(true);
      // The user's own settings hold the password in the URL (not the value warned about above); they accept the offer to move it.
      await setRedis({ url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${first.port}/1` });
      const userUrl = () => vscode.workspace.getConfiguration('tdtp').inspect<string>('redis.url')?.globalValue;
      await untilEvent('the user setting rewritten without its password', () => (userUrl() === `${firstEndpoint}/1` ? true : undefined), [vscode.workspace.onDidChangeConfiguration]);
      const state = await heldBackOrSent();
      assert.deepEqual(await t.passwords.getBound(), { password: PASSWORD, endpoint: firstEndpoint }, 'bound where the URL it came from points');
      assert.equal(await authAttempts(lure), 0, 'no AUTH reached the workspace\'s server');
      assert.equal(state.kind, 'notConfigured');
      // (Asked again at each reconnect while it is held back: the move and the rewrite each make one.)
      assert.ok(asked.length > 0, 'the user was asked, and said no');
      for (const question of asked) assert.deepEqual(question, ['default', 'redis', firstEndpoint, `redis://127.0.0.1:${lure.port}`]);
    } finally {
      await lureInWorkspace(false);
    }
    await untilEvent('connected where the password belongs', () => (t.connection.state.kind === 'connected' && t.connection.state.node === `127.0.0.1:${first.port}` ? true : undefined), [t.connection.onDidChangeState]);
  });

  it('sends a password saved for no server only where the user\'s own settings point; where a workspace points, only if the user agrees', async () => {
    const asked = await freshStartRefusing();
    try {
      await lureInWorkspace(true);
      // As Set Redis Password does while the settings cannot say where (or a password from before binding).
      await t.passwords.set(PASSWORD);
      const state = await heldBackOrSent();
      assert.equal(await authAttempts(lure), 0, 'no AUTH reached the workspace\'s server');
      assert.ok(state.kind === 'notConfigured' && /saved for no server/.test(state.problems.map(namedSettingProblemText).join('\n')), JSON.stringify(state));
      assert.deepEqual(asked, [['default', 'redis', undefined, `redis://127.0.0.1:${lure.port}`]]);
      assert.equal((await t.passwords.getBound())?.endpoint, undefined, 'still bound nowhere');
    } finally {
      await lureInWorkspace(false);
    }
    // The user's own settings name the server: the password goes there and is bound to it.
    await setRedis({ port: first.port });
    await untilEvent('connected with the password', () => (t.connection.state.kind === 'connected' && t.connection.state.node === `127.0.0.1:${first.port}` ? true : undefined), [t.connection.onDidChangeState]);
  });
});
