// Ring 2 in Restricted Mode: the untrusted folder's .vscode/settings.json names an orchestrator
// (scripts/test-vscode.mjs writes it); the viewer must not use it, so no token goes there.
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { useExtension } from './harness';

describe('Orchestrator view in Restricted Mode', function () {
  const ext = useExtension();

  it('answers a job-log tab restored without an orchestrator with a sentence, not an error', async () => {
    const restored = vscode.Uri.from({ scheme: 'tdtp-orchestrator-job', path: '/default/7/nightly.tdtp-job-log' });
    const doc = await vscode.workspace.openTextDocument(restored);
    assert.match(doc.getText(), /^No orchestrator is configured, so this job's log cannot be read\. Set tdtp\.orchestrator\.url/);
    assert.equal(ext.testing.orchestrator.loaded, false, 'reading it did not load the orchestrator\'s features');
  });

  it('ignores the workspace\'s tdtp.orchestrator.url: no server, the view says none is configured', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    const inspected = vscode.workspace.getConfiguration('tdtp').inspect<string>('orchestrator.url');
    assert.equal(vscode.workspace.getConfiguration('tdtp').get('orchestrator.url'), inspected?.globalValue ?? inspected?.defaultValue, 'the workspace value is not in effect');
    const t = ext.testing;
    assert.equal(t.orchestrator.loaded, false, 'no orchestrator is configured: its features (dist/lib/orchestrator.js) were not loaded');
    assert.deepEqual(t.orchestrators.servers.map((s) => s.endpoint.baseUrl.href), []);
    assert.equal(t.orchestratorView.tree.state, 'notConfigured');
  });
});
