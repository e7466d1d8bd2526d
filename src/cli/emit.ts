import type Redis from 'ioredis';
import type { CommandsClient } from '../core/connection';
import { ConnectionProblemError, classifyClientError, connectCommandsClient, isCluster } from '../core/connection';
import type { TdtpResult } from '../core/decode';
import { plural } from '../core/format';
import { KeySpace } from '../core/keySpace';
import { classifyError } from '../core/problems';
import { oneLine, problemText } from './problemText';
import { DEFAULT_TTL_SECONDS, encodeLikeGo, goTimeString, publishResult } from '../core/publish';
import { CONNECTION_HELP, CONNECTION_OPTIONS, UsageError, connectionSettingsFrom, integerOption, parseCommandLine } from './options';

const HELP = `tdtp-emit — publish a TDTP pipeline result exactly as tdtpcli does (SET … EX, then PUBLISH)

Usage:
  tdtp-emit --result RESULT_NAME [--pipeline NAME] [--status STATUS] [options]

Result:
  --result NAME         result_log.name: the channel suffix (required)
  --pipeline NAME       pipeline_name (default: the result name, lower-cased)
  --status STATUS       success | failed | completed_with_errors | anything else (default success)
  --error TEXT          error text (default for failed: "unknown error")
  --rows-loaded N       rows read (default 1000)
  --rows-exported N     rows written (default: rows loaded; 0 for failed)
  --duration-ms N       duration (default 1500)
  --package-uuid UUID   set when the output was encrypted
  --ttl SECONDS         state key TTL (default ${DEFAULT_TTL_SECONDS})
  --raw JSON            publish this text as is instead (to test how consumers handle bad payloads)
  -q, --quiet           print nothing on success

${CONNECTION_HELP}

Exit codes: 0 published, 2 wrong usage, 3 Redis cannot be reached or refused the write.`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  result: { type: 'string' },
  pipeline: { type: 'string' },
  status: { type: 'string' },
  error: { type: 'string' },
  'rows-loaded': { type: 'string' },
  'rows-exported': { type: 'string' },
  'duration-ms': { type: 'string' },
  'package-uuid': { type: 'string' },
  ttl: { type: 'string' },
  raw: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

async function main(argv: string[]): Promise<number> {
  let settings;
  let result: TdtpResult;
  let ttl: number;
  let raw: string | undefined;
  let quiet: boolean;
  try {
    const { values } = parseCommandLine(argv, OPTIONS);
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    settings = connectionSettingsFrom(values, process.env);
    if (!values.result) throw new UsageError('--result is required (the result_log.name of the pipeline, e.g. MASK_V001)');
    const status = values.status ?? 'success';
    const failed = status === 'failed';
    const rowsLoaded = integerOption(values['rows-loaded'], 'rows-loaded', 1000);
    const durationMs = integerOption(values['duration-ms'], 'duration-ms', 1500);
    ttl = integerOption(values.ttl, 'ttl', DEFAULT_TTL_SECONDS);
    if (ttl < 1) throw new UsageError('--ttl must be at least 1 second');
    const finished = new Date();
    result = {
      pipeline_name: values.pipeline ?? values.result.toLowerCase(),
      result_name: values.result,
      status,
      package_uuid: values['package-uuid'],
      started_at: goTimeString(new Date(finished.getTime() - durationMs)),
      finished_at: goTimeString(finished),
      duration_ms: durationMs,
      rows_loaded: rowsLoaded,
      rows_exported: integerOption(values['rows-exported'], 'rows-exported', failed ? 0 : rowsLoaded),
      error: values.error ?? (failed ? 'unknown error' : undefined),
    };
    raw = values.raw;
    quiet = values.quiet === true;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tdtp-emit: ${err.message}\nRun tdtp-emit --help for the options.\n`);
      return 2;
    }
    throw err;
  }

  const keys = new KeySpace(settings.prefix);
  let client: CommandsClient | undefined;
  try {
    client = await connectCommandsClient(settings, 5000);
    let receivers: number;
    if (raw !== undefined) {
      await client.set(keys.stateKey(result.result_name), raw, 'EX', ttl);
      receivers = await client.publish(keys.channel(result.result_name), raw);
    } else {
      // publishResult only SETs and PUBLISHes, which a Cluster client routes like a plain one.
      receivers = await publishResult(client as Redis, keys, result, ttl);
    }
    if (!quiet) {
      // In a cluster PUBLISH reaches every node, but the count is only that of the node it went to.
      const reach = isCluster(client) ? 'cluster-wide' : `${receivers} ${plural(receivers, 'subscriber')}`;
      process.stdout.write(`Published to ${keys.channel(result.result_name)} (${reach}); state key ${keys.stateKey(result.result_name)} expires in ${ttl} s.\n`);
      process.stdout.write(`${raw ?? encodeLikeGo(result)}\n`);
    }
    return 0;
  } catch (err) {
    const problem = err instanceof ConnectionProblemError ? err.problem : client ? classifyClientError(client, err, settings) : classifyError(err, settings);
    process.stderr.write(`tdtp-emit: ${oneLine(problemText(problem))}\n`);
    return 3;
  } finally {
    client?.disconnect(false);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`tdtp-emit: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(70);
  },
);
