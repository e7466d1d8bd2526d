// What the demo prints, and the errors whose message is the whole story.

/**
 * `npm run demo | tee demo.log` and Ctrl+C: the terminal's SIGINT ends tee as well, and a write to
 * the closed pipe fails (EPIPE). Output is a courtesy: once a stream is gone the demo goes on
 * without it and still stops everything it started.
 */
const gone = new Set<NodeJS.WriteStream>();
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => gone.add(stream));

export function print(stream: NodeJS.WriteStream, text: string): void {
  if (gone.has(stream) || stream.destroyed) return;
  try {
    stream.write(`${text}\n`);
  } catch {
    gone.add(stream);
  }
}

export const say = (message: string) => print(process.stdout, `[demo] ${message}`);
export const warn = (message: string) => print(process.stderr, `[demo] ${message}`);

/** An error whose message is the whole story: printed without a stack. */
export class DemoError extends Error {}
/** Thrown by a start-up step that notices the demo is being stopped. */
export class Stopping extends Error {}

export function errorText(err: unknown): string {
  if (err instanceof DemoError || err instanceof Stopping) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/** Seconds since `started`, for the "built in 3.2 s" lines. */
export function secondsSince(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

/** The box printed once everything runs: one line a label. */
export function banner(lines: Array<[string, string]>): void {
  const width = Math.max(...lines.map(([label]) => label.length));
  const body = lines.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`);
  const rule = '─'.repeat(Math.min(100, Math.max(...body.map((line) => line.length)) + 2));
  print(process.stdout, ['', rule, '  TDTP demo is running', ...body, rule, ''].join('\n'));
}
