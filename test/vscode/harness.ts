// The one harness of the in-VS-Code suites: activates the extension once, hands out the typed
// test seam, and restores every setting a suite changed through it (so no suite can leak a
// setting into the next by forgetting a reset).
import * as assert from 'node:assert/strict';
import { after, before } from 'mocha';
import * as vscode from 'vscode';
import type { TdtpViewerApi } from '../../src/vscode/api';
import type { Testing } from '../../src/vscode/testing';

const EXTENSION_ID = 'tdtp.tdtp-pipeline-viewer';

export interface ExtensionHandle {
  readonly api: TdtpViewerApi;
  /** The internals the tests observe (src/vscode/testing.ts). */
  readonly testing: Testing;
}

/** The suite's `tdtp.*` settings: every change goes through here, so it is undone in `after`. */
export interface SuiteSettings {
  update(key: string, value: unknown, target?: vscode.ConfigurationTarget): Promise<void>;
  /** Restores `key` in `after` too, when the code under test (not the suite) writes it. */
  track(key: string, target?: vscode.ConfigurationTarget): void;
}

let activation: Promise<ExtensionHandle> | undefined;

/** Activates the extension (once per extension host) and returns its API with the test seam. */
export function activateExtension(): Promise<ExtensionHandle> {
  activation ??= (async () => {
    const extension = vscode.extensions.getExtension<TdtpViewerApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    const api = await extension.activate();
    const testing = (api as unknown as { testing?: Testing }).testing;
    assert.ok(testing, 'the test seam is present (TDTP_VIEWER_TEST=1 reaches the extension host)');
    return { api, testing };
  })();
  return activation;
}

function valueAt(key: string, target: vscode.ConfigurationTarget): unknown {
  const inspected = vscode.workspace.getConfiguration('tdtp').inspect(key);
  if (target === vscode.ConfigurationTarget.Global) return inspected?.globalValue;
  if (target === vscode.ConfigurationTarget.Workspace) return inspected?.workspaceValue;
  return inspected?.workspaceFolderValue;
}

/**
 * Call at the top of a `describe`: registers a `before` that activates the extension (fills the
 * handle's `api` and `testing`) and an `after` that puts back every setting changed through
 * `settings`. Register it first, so its `after` runs before the suite's own (which stops Redis).
 */
export function useExtension(): ExtensionHandle & { readonly settings: SuiteSettings } {
  const changed = new Map<string, { key: string; target: vscode.ConfigurationTarget; value: unknown }>();
  let handle: ExtensionHandle | undefined;
  const remember = (key: string, target: vscode.ConfigurationTarget) => {
    const id = `${target}:${key}`;
    if (!changed.has(id)) changed.set(id, { key, target, value: valueAt(key, target) });
  };
  const settings: SuiteSettings = {
    async update(key, value, target = vscode.ConfigurationTarget.Global) {
      remember(key, target);
      await vscode.workspace.getConfiguration('tdtp').update(key, value, target);
    },
    track(key, target = vscode.ConfigurationTarget.Global) {
      remember(key, target);
    },
  };
  before(async () => {
    handle = await activateExtension();
    // Each suite's toasts are its own: an earlier suite's must not put them into a storm summary.
    handle.testing.notifications.resetStormWindow();
  });
  after(async () => {
    // Each key once, back to what it was before the suite first changed it.
    for (const { key, target, value } of changed.values()) {
      await vscode.workspace.getConfiguration('tdtp').update(key, value, target);
    }
    changed.clear();
  });
  const need = () => {
    assert.ok(handle, 'useExtension(): the extension is activated in its before hook');
    return handle;
  };
  return {
    get api() {
      return need().api;
    },
    get testing() {
      return need().testing;
    },
    settings,
  };
}
