import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-tools/**', 'test-results/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', require: 'readonly', module: 'readonly', __dirname: 'readonly', window: 'readonly', document: 'readonly', acquireVsCodeApi: 'readonly', crypto: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always'],
      // Type-only imports say so, so the runtime import graph is visible (and checked acyclic).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
    },
  },
  {
    // Plain CommonJS files (the in-VS-Code test runner, media scripts) use require().
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // What may import what (README, "Architecture"). Each folder gets one rule; a later block for the
  // same files would replace it, so every restriction of a folder is listed in its block.
  {
    // The core is plain Node (tested with node --test): no vscode, and no front end.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The core is vscode-free; put VS Code code under src/vscode.' }],
          patterns: [{ regex: '(^|/)(vscode|cli|webview|demo|extension)(/|$)', message: 'The core imports only the core: front ends depend on it, never the other way.' }],
        },
      ],
    },
  },
  {
    // The terminal tools: the core only.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The terminal tools run without VS Code.' }],
          patterns: [{ regex: '^\\.\\./(vscode|webview|demo|extension)(/|$)', message: 'The terminal tools import only the core.' }],
        },
      ],
    },
  },
  {
    // The VS Code front end: the core, and of the webview only its message protocol.
    files: ['src/vscode/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(cli|demo)(/|$)|(^|/)extension$', message: 'src/vscode imports the core, never the terminal tools, the demo or extension.ts.' },
            { regex: '/webview/(?!protocol$)', message: 'Of the webview, only its message protocol is shared.' },
          ],
        },
      ],
    },
  },
  {
    // Wording: the VS Code front end's words for the core's facts. A wording module imports the core,
    // vscode and other wording modules only, never a stateful owner (STYLE.md: words apart from owners).
    files: ['src/vscode/words/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(cli|demo)(/|$)|(^|/)extension$', message: 'src/vscode imports the core, never the terminal tools, the demo or extension.ts.' },
            { regex: '/webview/(?!protocol$)', message: 'Of the webview, only its message protocol is shared.' },
            { regex: '^\\.\\./(?!words/|\\.\\./core/)', message: 'src/vscode/words imports only the core and src/vscode/words: stateful owners import words, never the other way.' },
            { regex: '^\\.\\./\\.\\./(?!core/)', message: 'src/vscode/words imports only the core and src/vscode/words.' },
          ],
        },
      ],
    },
  },
  {
    // The webview runs in a browser: its own files only (the protocol is shared with src/vscode).
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview has no VS Code API: talk through postMessage (protocol.ts).' }],
          patterns: [
            { regex: '^\\.\\./', message: 'The webview is bundled for the browser: import nothing outside src/webview.' },
            { regex: '^node:', message: 'The webview runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    // The demo's simulator: the core only.
    files: ['src/demo/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'The simulator runs without VS Code.' }], patterns: [{ regex: '^\\.\\./(vscode|cli|webview|extension)(/|$)', message: 'The simulator imports only the core.' }] },
      ],
    },
  },
);
