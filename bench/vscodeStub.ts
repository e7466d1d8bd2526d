// A working stand-in for the `vscode` module, enough for the view code that builds tree items
// (src/vscode/tree/ and its words) to run in plain Node for a measurement. MarkdownString
// escapes as VS Code's does (roughly: every Markdown character), so its cost is of the same order.
import Module from 'node:module';

class EventEmitter<T> {
  private listeners: Array<(value: T) => void> = [];
  readonly event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class MarkdownString {
  isTrusted = false;
  supportHtml = false;
  constructor(public value = '', public supportThemeIcons = false) {}
  appendText(text: string): this {
    this.value += text.replace(/[\\`*_{}[\]()#+\-.!]/g, '\\$&').replace(/\n/g, '\n\n');
    return this;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendCodeblock(code: string, language = ''): this {
    this.value += `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    return this;
  }
}

class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  accessibilityInformation?: unknown;
  constructor(
    public label: string,
    public collapsibleState = 0,
  ) {}
}

class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}

const format = (message: string, args: unknown[]) => message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));

export const vscodeStub = {
  EventEmitter,
  MarkdownString,
  TreeItem,
  ThemeIcon,
  ThemeColor,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  l10n: { t: (message: string, ...args: unknown[]) => format(message, args) },
  env: { language: 'en' },
  window: {},
  workspace: {},
  commands: { executeCommand: () => Promise.resolve(undefined) },
};

/** Makes `require('vscode')` return the stub: call before the view code is loaded. */
export function installVscodeStub(): void {
  const m = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string; _cache: Record<string, unknown> };
  const resolve = m._resolveFilename;
  m._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  m._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };
}
