import type Redis from 'ioredis';
import type { TdtpResult } from '../core/decode';
import { KeySpace } from '../core/keySpace';
import { goTimeString, publishResult } from '../core/publish';

/** A pipeline the simulator pretends to run, with how it tends to behave. */
interface SimulatedPipeline {
  readonly resultName: string;
  readonly pipelineName: string;
  readonly typicalRows: number;
  readonly typicalMs: number;
  /** Chances of each outcome per run. */
  readonly failRate: number;
  readonly errorsRate: number;
  readonly dropRate: number;
  /** Short TTLs make states expire during the demo. */
  readonly ttlSeconds: number;
  readonly encrypted?: boolean;
  /** Its schedule: a run every this many base intervals (`intervalMs`), with a little jitter. */
  readonly every: number;
  /** What its run number n (from 1) does out of the ordinary: the situations the alerts are for. */
  readonly script?: (n: number) => Scenario | undefined;
}

/** A run out of the ordinary. */
export interface Scenario {
  /** The scheduler is down: nothing is published. */
  readonly skip?: true;
  readonly status?: 'success' | 'failed';
  /** Rows loaded (and exported) times this. */
  readonly rowsFactor?: number;
  /** Duration times this. */
  readonly durationFactor?: number;
  /** Every run drops this share of its rows (a validator that always filters a few). */
  readonly dropShare?: number;
}

/**
 * The situations a newcomer should see within minutes (with the default 3 s base interval):
 * a pipeline that stops publishing (AIRFLOW_TRIGGER, from about 45 s for 2 minutes), failures
 * and a recovery (GEO_REFRESH, from about 50 s), a tenth of the usual rows (MASK_V002, about
 * 1 minute in), a run six times as slow as usual (WAREHOUSE_STOCK, about 70 s in), and the same
 * small drop on every run, which toasts once (MASK_V001). Each repeats later.
 */
export const stopsPublishing = (n: number): Scenario | undefined => (n % 60 >= 15 && n % 60 < 55 ? { skip: true } : undefined);
export const failsThenRecovers = (n: number): Scenario | undefined => (n % 30 >= 8 && n % 30 < 12 ? { status: 'failed' } : n % 30 === 12 ? { status: 'success' } : undefined);
const tenthOfTheRows = (n: number): Scenario | undefined => (n % 25 === 10 ? { status: 'success', rowsFactor: 0.1 } : undefined);
const slowRun = (n: number): Scenario | undefined => (n % 20 === 8 ? { status: 'success', durationFactor: 6 } : undefined);
const steadyDrop = (): Scenario => ({ dropShare: 0.003 });

export const DEMO_PIPELINES: readonly SimulatedPipeline[] = [
  { resultName: 'MASK_V001', pipelineName: 'erp_mask_sync', typicalRows: 15000, typicalMs: 1842, failRate: 0.02, errorsRate: 0.01, dropRate: 0, ttlSeconds: 3600, every: 2, script: steadyDrop },
  { resultName: 'CRM_CONTACTS', pipelineName: 'crm_contacts_export', typicalRows: 240000, typicalMs: 48000, failRate: 0.05, errorsRate: 0.03, dropRate: 0.1, ttlSeconds: 3600, every: 5 },
  { resultName: 'BILLING_DAILY', pipelineName: 'billing_daily_rollup', typicalRows: 1200000, typicalMs: 312000, failRate: 0.05, errorsRate: 0.03, dropRate: 0.05, ttlSeconds: 7200, every: 8 },
  { resultName: 'HR_ENCRYPTED', pipelineName: 'hr_payroll_encrypted', typicalRows: 3200, typicalMs: 5200, failRate: 0.03, errorsRate: 0.15, dropRate: 0, ttlSeconds: 3600, encrypted: true, every: 4 },
  { resultName: 'WAREHOUSE_STOCK', pipelineName: 'склад_остатки', typicalRows: 87000, typicalMs: 9100, failRate: 0.02, errorsRate: 0.02, dropRate: 0.1, ttlSeconds: 3600, every: 3, script: slowRun },
  { resultName: 'CLICKHOUSE_EVENTS', pipelineName: 'events_to_clickhouse', typicalRows: 5400000, typicalMs: 95000, failRate: 0.04, errorsRate: 0.02, dropRate: 0.1, ttlSeconds: 1800, every: 6 },
  { resultName: 'AIRFLOW_TRIGGER', pipelineName: 'airflow_dag_feed', typicalRows: 120, typicalMs: 300, failRate: 0, errorsRate: 0, dropRate: 0, ttlSeconds: 90, every: 1, script: stopsPublishing },
  { resultName: 'GEO_REFRESH', pipelineName: 'geo_reference_refresh', typicalRows: 41000, typicalMs: 2600, failRate: 0, errorsRate: 0.02, dropRate: 0.05, ttlSeconds: 60, every: 2, script: failsThenRecovers },
  { resultName: 'MASK_V002', pipelineName: 'erp_mask_sync_v2', typicalRows: 15000, typicalMs: 1700, failRate: 0.02, errorsRate: 0.01, dropRate: 0, ttlSeconds: 3600, every: 2, script: tenthOfTheRows },
  { resultName: 'AUDIT_LOG', pipelineName: 'audit_log_archive', typicalRows: 640000, typicalMs: 22000, failRate: 0.03, errorsRate: 0.03, dropRate: 0.05, ttlSeconds: 45, every: 8 },
];

const ERRORS = [
  'source "erp_db": dial tcp 10.0.3.17:5432: connect: connection refused',
  'transform "mask_pii": field "passport_no" not found in schema\n  at pipeline step 3 (mask)\n  schema version: 2025-11-01\n  hint: run tdtpcli schema diff',
  'export "clickhouse": code: 241, message: Memory limit (for query) exceeded: would use 9.31 GiB',
  'validator: 17 rows violate NOT NULL on column "customer_id"\nfirst offending rows: 1042, 1043, 2099',
  'context deadline exceeded (timeout 5m0s)',
  'ошибка подключения к источнику: неверный пароль для пользователя "etl"',
];
const ERRORS_WITH_PACKET = ['encryption service unavailable: wrote error packet instead of data', 'partial export: 2 of 5 partitions failed; error packet written'];

/** A deterministic pseudo-random source, so a demo or a test can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

export function simulateRun(pipeline: SimulatedPipeline, random: () => number, now = new Date(), scenario: Scenario = {}): { result: TdtpResult; ttlSeconds: number } {
  const roll = random();
  const status = scenario.status ?? (roll < pipeline.failRate ? 'failed' : roll < pipeline.failRate + pipeline.errorsRate ? 'completed_with_errors' : 'success');
  const durationMs = Math.max(0, Math.round(pipeline.typicalMs * (0.6 + random() * 0.8) * (scenario.durationFactor ?? 1)));
  const rowsLoaded = status === 'failed' && random() < 0.5 ? 0 : Math.round(pipeline.typicalRows * (0.8 + random() * 0.4) * (scenario.rowsFactor ?? 1));
  const dropped =
    status !== 'success' ? 0 : scenario.dropShare !== undefined ? Math.max(1, Math.round(rowsLoaded * scenario.dropShare)) : random() < pipeline.dropRate ? Math.max(1, Math.round(rowsLoaded * random() * 0.02)) : 0;
  const rowsExported = status === 'failed' ? 0 : rowsLoaded - dropped;
  const started = new Date(now.getTime() - durationMs);
  const result: TdtpResult = {
    pipeline_name: pipeline.pipelineName,
    result_name: pipeline.resultName,
    status,
    started_at: status === 'failed' && rowsLoaded === 0 && random() < 0.3 ? '0001-01-01T00:00:00Z' : goTimeString(started),
    finished_at: goTimeString(now),
    duration_ms: durationMs,
    rows_loaded: rowsLoaded,
    rows_exported: rowsExported,
  };
  if (pipeline.encrypted) result.package_uuid = `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
  if (status === 'failed') result.error = ERRORS[Math.floor(random() * ERRORS.length)];
  if (status === 'completed_with_errors') result.error = ERRORS_WITH_PACKET[Math.floor(random() * ERRORS_WITH_PACKET.length)];
  return { result, ttlSeconds: pipeline.ttlSeconds };
}

function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/**
 * Publishes a first result for every demo pipeline, then each on its own schedule: a run every
 * `every` × `intervalMs` (±5 %), with the scripted situations above. Returns a function that stops
 * it. A write that fails (Redis unreachable) is skipped and reported to `onError`, if given; the
 * simulator goes on.
 */
export function startSimulator(
  client: Redis,
  options: { intervalMs?: number; seed?: number; prefix?: string; onPublish?: (result: TdtpResult) => void; onError?: (error: unknown) => void } = {},
): () => void {
  const keys = new KeySpace(options.prefix ?? 'tdtp:pipeline');
  const random = seededRandom(options.seed ?? Date.now());
  const base = options.intervalMs ?? 3000;
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const failed = (error: unknown) => {
    if (!stopped) options.onError?.(error);
  };
  const run = async (pipeline: SimulatedPipeline, n: number) => {
    const scenario = pipeline.script?.(n);
    if (scenario?.skip) return;
    const { result, ttlSeconds } = simulateRun(pipeline, random, new Date(), scenario);
    await publishResult(client, keys, result, ttlSeconds);
    options.onPublish?.(result);
  };
  const schedule = (pipeline: SimulatedPipeline, n: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void run(pipeline, n).catch(failed);
      schedule(pipeline, n + 1);
    }, pipeline.every * base * (0.95 + random() * 0.1));
    timers.add(timer);
  };
  void (async () => {
    for (const pipeline of DEMO_PIPELINES) if (!stopped) await run(pipeline, 1).catch(failed);
    for (const pipeline of DEMO_PIPELINES) schedule(pipeline, 2);
  })();
  return () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
