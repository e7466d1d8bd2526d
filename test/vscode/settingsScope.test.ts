// Ring 2: settings a repository cannot set. They are application-scoped in the manifest, so a
// trusted workspace's value is ignored as well: only the user's settings count.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activateExtension } from './harness';

describe('Settings only the user sets (application scope), in a trusted workspace', function () {
  it('ignores the workspace\'s tdtp.history.persist: false, which would delete every server\'s history for every window', async () => {
    const t = (await activateExtension()).testing;
    assert.equal(vscode.workspace.isTrusted, true);
    const settingsFile = join(vscode.workspace.workspaceFolders![0].uri.fsPath, '.vscode', 'settings.json');
    assert.match(readFileSync(settingsFile, 'utf8'), /"tdtp\.history\.persist":\s*false/, 'the repository says false (written by scripts/test-vscode.mjs)');
    assert.equal(t.config.historyPersist, true, 'the user\'s value (the default) counts');
    assert.ok(t.connection.history?.file, 'the connection keeps its journal on disk');
  });
});
