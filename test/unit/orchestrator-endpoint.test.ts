// Where an orchestrator is, from settings a repository may have written: a URL that is one (http or
// https, no credentials in it), a known auth mode, a user for LDAP, a real zone name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cronZone, readEndpoint, readEndpoints, secretScope } from '../../src/core/orchestrator/endpointSettings';
import { namesOrchestrator } from '../../src/core/orchestrator/endpointSources';

const name = (field: string) => `tdtp.orchestrator.${field}`;

describe('orchestrator endpoint settings', () => {
  test('no URL: no orchestrator and no problem', () => {
    assert.deepEqual(readEndpoint('default', { url: '  ', auth: 'bogus' }, name), { endpoint: undefined, problems: [] });
  });

  test('a URL alone: token auth, this machine\'s zone', () => {
    const { endpoint, problems } = readEndpoint('default', { url: 'http://127.0.0.1:8080/' }, name);
    assert.deepEqual(problems, []);
    assert.equal(endpoint?.baseUrl.href, 'http://127.0.0.1:8080/');
    assert.equal(endpoint?.auth, 'token');
    assert.equal(endpoint?.timeZone, '');
    assert.equal(secretScope(endpoint.baseUrl), 'http://127.0.0.1:8080');
  });

  test('each wrong field is named, and nothing is connected', () => {
    const { endpoint, problems } = readEndpoint('prod', { url: 'ftp://user:pw@host/', auth: 'kerberos', timeZone: 'Mars/Olympus' }, (f) => `tdtp.connections[0].orchestrator.${f}`);
    assert.equal(endpoint, undefined);
    assert.deepEqual(
      problems.map((p) => [p.code, p.setting]),
      [
        ['notUrl', 'tdtp.connections[0].orchestrator.url'],
        ['notAuthMode', 'tdtp.connections[0].orchestrator.auth'],
        ['notTimeZone', 'tdtp.connections[0].orchestrator.timeZone'],
      ],
    );
  });

  test('LDAP needs a user name; a user name is dropped for token auth', () => {
    assert.deepEqual(readEndpoint('default', { url: 'https://orch.example', auth: 'ldap' }, name).problems, [{ code: 'ldapNeedsUser', setting: 'tdtp.orchestrator.username' }]);
    assert.equal(readEndpoint('default', { url: 'https://orch.example', auth: 'ldap', username: 'ann' }, name).endpoint?.username, 'ann');
    assert.equal(readEndpoint('default', { url: 'https://orch.example', username: 'ann' }, name).endpoint?.username, '');
  });

  test('a hostile value is shown back bounded', () => {
    const { problems } = readEndpoint('default', { url: 'x'.repeat(100_000) }, name);
    assert.equal(problems[0]?.code, 'notUrl');
    assert.ok(problems[0] && 'value' in problems[0] && problems[0].value.length <= 200);
  });

  test('several connections: each entry read on its own; a value that is no object is named, not read', () => {
    const sources = [
      { connection: 'prod', raw: { url: 'https://orch.prod:8443' }, setting: 'tdtp.connections[0].orchestrator' },
      { connection: 'stage', raw: 'http://orch.stage', setting: 'tdtp.connections[1].orchestrator' },
      { connection: 'dev', raw: { url: 'nope' }, setting: 'tdtp.connections[2].orchestrator' },
    ];
    const { endpoints, problems } = readEndpoints(sources);
    assert.deepEqual(endpoints.map((e) => [e.connection, e.baseUrl.host]), [['prod', 'orch.prod:8443']]);
    assert.deepEqual(problems.map((p) => [p.code, p.setting]), [['notObject', 'tdtp.connections[1].orchestrator'], ['notUrl', 'tdtp.connections[2].orchestrator.url']]);
  });

  test('whether the settings name an orchestrator at all (what loads its features)', () => {
    assert.equal(namesOrchestrator([{ connection: 'default', raw: { url: '', auth: 'token' }, setting: 'tdtp.orchestrator' }]), false);
    assert.equal(namesOrchestrator([{ connection: 'default', raw: { url: 'http://x' }, setting: 'tdtp.orchestrator' }]), true);
    assert.equal(namesOrchestrator([{ connection: 'a', raw: 42, setting: 'tdtp.connections[0].orchestrator' }]), true, 'a wrong value is worded by the features');
    assert.equal(namesOrchestrator([]), false);
  });

  test("the zone cron is read in: the setting's, else this machine's", () => {
    assert.equal(cronZone({ timeZone: 'Asia/Omsk' }), 'Asia/Omsk');
    assert.equal(cronZone({ timeZone: '' }), Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  });
});
