/**
 * Sentinel mode: the sentinels could not tell where the primary is. `sentinel` is the sentinel the
 * reason comes from, `cause` the underlying error (the last one seen).
 */
export class SentinelError extends Error {
  constructor(
    /** `unreachable`: none answered (retried); `unknown-master`: none knows the name; `refused`: our sentinel credentials were refused. */
    readonly code: 'unreachable' | 'unknown-master' | 'refused',
    message: string,
    readonly sentinel: string | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'SentinelError';
  }
}

/** The server the sentinels named answers ROLE with something else than "master": a failover is under way. */
export class NotPrimaryError extends Error {
  readonly code = 'not-primary';
  constructor(
    readonly node: string,
    readonly role: string,
    readonly master: string,
  ) {
    super(`${node} is a ${role}, not the primary of "${master}"`);
    this.name = 'NotPrimaryError';
  }
}

/** The attempt was given up (stop/start/retry) while it was being set up; nobody reports it. */
export class AbandonedError extends Error {
  readonly code = 'abandoned';
  constructor() {
    super('abandoned');
    this.name = 'AbandonedError';
  }
}

/** An error that only says the connection closed; the client's last 'error' event says why. */
export function isGenericClose(err: unknown): boolean {
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command aborted due to connection close|None of startup nodes is available/i.test((err as Error)?.message ?? '');
}
