import { classifyError } from '../problems';
import type { ConnectionSettings } from '../settings';
import { ConnectionProblemError } from '../problems';
import { isGenericClose } from './errors';
import { topologyFor } from './topology';
import type { AttemptContext } from './types';
import type { CommandsClient } from './types';

/**
 * A connected commands client for the terminal tools' one-shot polls and publishes: to the
 * server, to the primary the sentinels name, or to the cluster. Rejects with a
 * ConnectionProblemError carrying the classified problem.
 */
export async function connectCommandsClient(settings: ConnectionSettings, timeoutMs: number): Promise<CommandsClient> {
  const clients: Array<{ disconnect(reconnect?: boolean): void }> = [];
  let lastError: unknown;
  const ctx: AttemptContext = {
    settings,
    timeoutMs,
    track: (client) => {
      clients.push(client);
      client.on('error', (err) => (lastError = err));
      return client;
    },
    trackProbe: () => () => {},
    onError: (err) => (lastError = err),
    abandoned: () => false,
  };
  let describedBy = settings;
  try {
    const located = await topologyFor(settings).locate(ctx);
    describedBy = located.describedBy;
    await located.openCommands();
    return located.commands;
  } catch (err) {
    for (const client of clients) client.disconnect(false);
    throw new ConnectionProblemError(classifyError(isGenericClose(err) && lastError ? lastError : err, describedBy));
  }
}
