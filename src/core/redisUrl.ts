// A `redis://` URL: its parts for the settings, and its password (split off to be stored apart, or
// redacted from anything shown). A leaf: settings.ts words nothing and imports the parts from here.

/** What can be wrong with a `url` setting (see SettingProblemCode in settings.ts for the values). */
export type UrlProblemCode =
  | 'urlInvalid'
  | 'urlScheme'
  | 'urlNoHost'
  | 'urlDbPath'
  | 'urlHostEscape'
  | 'urlUserEscape'
  | 'urlPasswordEscape'
  | 'urlUserinfoUnescaped';

/** `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS). */
export function parseRedisUrl(
  text: string,
): (Partial<Record<'host' | 'port' | 'db' | 'username' | 'password', string>> & { tls?: boolean }) | { readonly code: UrlProblemCode; readonly values: readonly string[] } {
  let url: URL;
  // Messages show the URL without its credentials: they end up in logs and notifications.
  const shown = redactUrl(text);
  try {
    url = new URL(text);
  } catch {
    return { code: 'urlInvalid', values: [shown] };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return { code: 'urlScheme', values: [url.protocol] };
  }
  // An @ left after the host means the userinfo held / ? or # unescaped: the parser took part of
  // the password for the host, which must not be connected to (nor shown).
  if (/@/.test(`${url.pathname}${url.search}${url.hash}`)) return { code: 'urlUserinfoUnescaped', values: [shown] };
  if (!url.hostname) return { code: 'urlNoHost', values: [shown] };
  const dbPath = url.pathname.replace(/^\/+/, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath)) return { code: 'urlDbPath', values: [`/${dbPath}`] };
  // decodeURIComponent throws on a stray "%" (e.g. a password "100%" not written as 100%25), and
  // parsing settings must report problems, not throw.
  const host = safeDecode(url.hostname);
  const username = url.username ? safeDecode(url.username) : undefined;
  const password = url.password ? safeDecode(url.password) : undefined;
  if (host === null) return { code: 'urlHostEscape', values: [shown] };
  if (username === null) return { code: 'urlUserEscape', values: [] };
  if (password === null) return { code: 'urlPasswordEscape', values: [] };
  return {
    host,
    port: url.port || undefined,
    db: dbPath || undefined,
    username,
    password,
    tls: url.protocol === 'rediss:',
  };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The password a `redis://` URL holds, and the URL without it (undefined: none, or not a URL). */
export function splitUrlPassword(text: string): { password: string; url: string } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (!url.password || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) return undefined;
  const password = safeDecode(url.password) ?? url.password;
  url.password = '';
  return { password, url: url.toString() };
}

/**
 * `redis://user:secret@host` → `redis://***@host`, for any text a user meant as a URL. Everything
 * between the scheme and the LAST `@` goes: a password may hold `/ ? # @`, and then no URL parser
 * agrees on where the userinfo ends (a host or a db number never holds an `@`).
 */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:(?:\/\/)?)?[\s\S]*@/i, '$1***@');
}
