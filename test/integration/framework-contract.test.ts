// The wire contract against the framework itself: the JSON names of pkg/resultlog/event's
// PipelineResult at the pinned version (printed by test/framework/resultlog-fields, built by
// scripts/setup-framework.sh) must be exactly the fields the decoder knows (src/core/decode.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { KNOWN_FIELDS } from '../../src/core/decode';
import { needsFramework, requireFramework } from '../support/framework';

const framework = needsFramework();

test('the decoder knows every field of the framework’s result-log event, and no other', framework, () => {
  const tools = requireFramework();
  const printed = spawnSync(tools.resultlogFields, { encoding: 'utf8' });
  assert.equal(printed.status, 0, printed.stderr);
  const upstream = printed.stdout.split('\n').filter(Boolean);
  assert.ok(upstream.length >= 5, `resultlog-fields printed too little: ${printed.stdout}`);
  const known: readonly string[] = KNOWN_FIELDS;
  const added = upstream.filter((field) => !known.includes(field));
  const gone = known.filter((field) => !upstream.includes(field));
  assert.deepEqual(
    { added, gone },
    { added: [], gone: [] },
    `pkg/resultlog/event.PipelineResult of ${tools.version} and KNOWN_FIELDS in src/core/decode.ts differ: ` +
      `${added.map((f) => `"${f}" is new upstream (or renamed)`).concat(gone.map((f) => `"${f}" is no longer written upstream`)).join('; ')}. ` +
      'Teach the decoder the change.',
  );
  // Same order as encoding/json writes them, which the decoder's encodeResult follows.
  assert.deepEqual(upstream, [...known]);
});
