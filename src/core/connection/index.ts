// The connection to Redis: a state machine (connection.ts) over one topology per mode
// (standalone, sentinel, cluster), the clients they make, and the terminal tools' one-shot client.
export { TdtpConnection } from './connection';
export type { CommandsClient, ConnectionState, ConnectionTuning, MessageHandler, SubscribedInfo, WatchedConnectionState } from './types';
export { isCluster } from './types';
export { ConnectionProblemError } from '../problems';
export { classifyClientError, createClient, createClusterClient, openClient } from './clients';
export { resolvePrimary } from './sentinel';
export { connectCommandsClient } from './oneShot';
