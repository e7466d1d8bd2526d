// One exchange with a server on loopback that misbehaves as no real orchestrator does on cue:
// never answers (timeout), answers too much, redirects; and what the client sends as credentials.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OrchestratorClient } from '../../src/core/orchestrator/client';
import { authorization, orchestratorBaseUrl } from '../../src/core/orchestrator/http';
import type { Answer, Credentials } from '../../src/core/orchestrator/types';

let server: Server;
let base: URL;
const seen: Array<{ url: string; authorization: string | undefined }> = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
  switch (req.url) {
    case '/healthz':
      return void res.end(JSON.stringify({ status: 'ok', active_jobs: 0, license_tier: 'community', mercury: 'skip', pubsub: 'skip' }));
    case '/jobs?limit=100':
      // Never answers: the client's timeout ends it.
      return;
    case '/scenarios': {
      // Streams without end (no Content-Length) until the client stops reading.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const chunk = '{"name":"x"},'.repeat(80_000);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      return more();
    }
    case '/tokens':
      res.writeHead(302, { location: 'http://127.0.0.1:1/steal' });
      return void res.end();
    case '/schedules':
      return void res.end('{"not": "a list"}');
    default:
      res.writeHead(404);
      res.end('{"error":"not found"}');
  }
}

before(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (credentials: Credentials = { kind: 'none' }, timeoutMs = 10_000) => new OrchestratorClient({ baseUrl: base, credentials, timeoutMs });
const problemOf = <T>(answer: Answer<T>) => (answer.ok ? assert.fail('expected a problem') : answer.problem);

describe('one exchange', () => {
  test('a server that never answers: a timeout with its length', async () => {
    assert.deepEqual(problemOf(await client({ kind: 'none' }, 200).jobs()), { code: 'timeout', afterMs: 200 });
  });

  test('the caller’s signal aborts a call in flight', async () => {
    const controller = new AbortController();
    const call = client().jobs(100, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    assert.deepEqual(problemOf(await call), { code: 'aborted' });
  });

  test('an answer over the limit is refused, not read whole', async () => {
    assert.equal(problemOf(await client().scenarios()).code, 'answerTooLarge');
  });

  test('a redirect is not followed: the credentials stay with the server named', async () => {
    const before = seen.length;
    assert.equal(problemOf(await client({ kind: 'token', token: 'tdtp_abc' }).tokens()).code, 'unexpectedStatus');
    assert.equal(seen.length, before + 1);
  });

  test('an answer not of the shape is malformedAnswer', async () => {
    assert.deepEqual(problemOf(await client().schedules()), { code: 'malformedAnswer', what: 'schedules' });
  });

  test('credentials: bearer, basic, none; what a header cannot carry is refused before sending', async () => {
    await client({ kind: 'token', token: 'tdtp_abc' }).health();
    assert.equal(seen.at(-1)?.authorization, 'Bearer tdtp_abc');
    await client({ kind: 'basic', username: 'ivan', password: 'пароль' }).health();
    assert.equal(seen.at(-1)?.authorization, `Basic ${Buffer.from('ivan:пароль').toString('base64')}`);
    await client().health();
    assert.equal(seen.at(-1)?.authorization, undefined);
    assert.equal(authorization({ kind: 'token', token: 'a\r\nb' }), undefined);
    assert.equal(authorization({ kind: 'token', token: '' }), undefined);
    assert.equal(authorization({ kind: 'basic', username: 'a:b', password: '' }), undefined);
    const sent = seen.length;
    assert.deepEqual(problemOf(await client({ kind: 'basic', username: 'x', password: 'a\nb' }).health()), { code: 'badCredentials' });
    assert.equal(seen.length, sent, 'nothing was sent');
  });

  test('a base URL: http or https, no user info, query or fragment', () => {
    assert.equal(orchestratorBaseUrl('http://orch.local:8080')?.host, 'orch.local:8080');
    assert.ok(orchestratorBaseUrl('https://orch.example/api/'));
    for (const bad of ['ftp://x', 'file:///etc/passwd', 'http://u:p@x', 'http://x/?a=1', 'http://x/#f', 'not a url', `http://x/${'a'.repeat(3000)}`]) {
      assert.equal(orchestratorBaseUrl(bad), undefined, bad);
    }
  });

  test('path segments are encoded: a name cannot reach another route', async () => {
    await client().job('../tokens?x=1');
    assert.equal(seen.at(-1)?.url, '/jobs/..%2Ftokens%3Fx%3D1');
  });
});
