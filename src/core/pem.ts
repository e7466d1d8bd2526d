import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

/**
 * Reads a CA, certificate or key file named in a setting or an option; `~` at the start is the
 * home directory (settings are shared between machines, so paths are often written that way).
 * Fails with the system's error code (ENOENT, EACCES …) for the front end to word.
 */
export function readPem(path: string): { ok: true; pem: string } | { ok: false; errno: string } {
  try {
    return { ok: true, pem: readFileSync(expandHome(path), 'utf8') };
  } catch (err) {
    return { ok: false, errno: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

function expandHome(path: string): string {
  return path === '~' || /^~[/\\]/.test(path) ? `${homedir()}${path.slice(1)}` : path;
}
