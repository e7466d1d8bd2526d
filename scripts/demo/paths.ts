// Where the demo finds the repository and the VSIX it installs.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
export const VSIX = join(ROOT, `${MANIFEST.name}-${MANIFEST.version}.vsix`);
export const IS_WINDOWS = process.platform === 'win32';
