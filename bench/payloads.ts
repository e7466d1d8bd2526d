// Realistic TDTP result payloads for the benchmark, exactly as `tdtpcli --pipeline` writes them
// (Go `encoding/json` field order, Go RFC 3339 times with nanoseconds and zone offsets).
// Shared by the publisher process and the in-process measurements. No vscode, no Redis here.

export const PREFIX = 'tdtp:pipeline';

/** result_name number i, e.g. `MASK_V0042`. */
export function resultName(i: number, stem = 'MASK_V'): string {
  return `${stem}${String(i).padStart(4, '0')}`;
}

/** A small deterministic PRNG so every run (and both processes) sees the same mix. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

const GO_ERROR = [
  'pipeline "%P": step "export": write to target "clickhouse://ch-01:9000/dwh": code: 241, message: Memory limit (for query) exceeded: would use 9.32 GiB (attempt to allocate chunk of 4194304 bytes), maximum: 9.31 GiB',
  'goroutine 1 [running]:\nmain.run(0xc0001a2000)\n\t/src/cmd/tdtpcli/main.go:212 +0x1c5\ngithub.com/tdtp/framework/pkg/pipeline.(*Runner).Run(...)\n\t/src/pkg/pipeline/runner.go:98',
].join('\n');

/** Go time text: `2025-11-18T13:00:00.123456789+03:00` (trailing zeros trimmed, as Go does). */
function goTime(epochMs: number, nanosInMs: number, offsetMin: number): string {
  const local = new Date(epochMs + offsetMin * 60_000);
  const base = local.toISOString().slice(0, 19);
  const nanos = (local.getUTCMilliseconds() * 1_000_000 + nanosInMs).toString().padStart(9, '0').replace(/0+$/, '');
  const frac = nanos ? `.${nanos}` : '';
  if (offsetMin === 0) return `${base}${frac}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${frac}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * One payload for result_name number `nameIndex`, variant `variant`. The mix: ~88 % success
 * (of which a few drop rows: a DQ warning), ~6 % failed with a long multi-line Go error,
 * ~4 % completed_with_errors, ~2 % failed before start (Go zero times); ~10 % carry a package_uuid;
 * a third of pipeline names are Cyrillic.
 */
export function payloadObject(nameIndex: number, variant: number, stem = 'MASK_V'): Record<string, unknown> {
  const r = rng(nameIndex * 7919 + variant * 104729 + 1);
  const name = resultName(nameIndex, stem);
  const pipeline = nameIndex % 3 === 0 ? `выгрузка_заказов_${nameIndex % 97}` : `erp_mask_sync_${nameIndex % 97}`;
  const roll = r();
  const status = roll < 0.88 ? 'success' : roll < 0.94 ? 'failed' : roll < 0.98 ? 'completed_with_errors' : 'failed-before-start';
  const offset = [0, 180, 180, -300, 330][nameIndex % 5];
  const started = Date.UTC(2025, 10, 18, 10, 0, 0) + Math.floor(r() * 86_400_000);
  const duration = Math.floor(r() * 120_000);
  const loaded = Math.floor(r() * 2_000_000);
  const exported = status === 'success' ? (r() < 0.05 ? loaded - Math.floor(r() * 50) - 1 : loaded) : status === 'failed' ? 0 : Math.floor(loaded * 0.9);
  const obj: Record<string, unknown> = {
    pipeline_name: pipeline,
    result_name: name,
    status: status === 'failed-before-start' ? 'failed' : status,
  };
  if (r() < 0.1) obj.package_uuid = `5f0c${nameIndex.toString(16).padStart(4, '0')}-9a7e-4c1d-8b2f-${variant.toString(16).padStart(12, '0')}`;
  if (status === 'failed-before-start') {
    obj.started_at = '0001-01-01T00:00:00Z';
    obj.finished_at = '0001-01-01T00:00:00Z';
    obj.duration_ms = 0;
    obj.rows_loaded = 0;
    obj.rows_exported = 0;
    obj.error = `load config: open /etc/tdtp/${name}.yaml: no such file or directory`;
  } else {
    obj.started_at = goTime(started, Math.floor(r() * 1_000_000), offset);
    obj.finished_at = goTime(started + duration, Math.floor(r() * 1_000_000), offset);
    obj.duration_ms = duration;
    obj.rows_loaded = loaded;
    obj.rows_exported = Math.max(0, exported);
    if (status === 'failed') obj.error = GO_ERROR.replace('%P', pipeline);
    if (status === 'completed_with_errors') obj.error = 'encryption service unavailable: dial tcp 10.0.4.17:8443: connect: connection refused; wrote error packet';
  }
  return obj;
}

export function payloadJson(nameIndex: number, variant: number, stem = 'MASK_V'): string {
  return JSON.stringify(payloadObject(nameIndex, variant, stem));
}

export interface PoolEntry {
  readonly nameIndex: number;
  readonly channel: string;
  readonly stateKey: string;
  readonly json: string;
  /** The JSON without its closing brace, for appending a send-time stamp. */
  readonly head: string;
}

/** `size` payloads spread round-robin over `names` result_names. */
export function payloadPool(names: number, size: number, stem = 'MASK_V'): PoolEntry[] {
  const pool: PoolEntry[] = [];
  for (let i = 0; i < size; i++) {
    const nameIndex = i % names;
    const json = payloadJson(nameIndex, Math.floor(i / names), stem);
    const name = resultName(nameIndex, stem);
    pool.push({ nameIndex, channel: `${PREFIX}:${name}`, stateKey: `${PREFIX}:${name}:state`, json, head: json.slice(0, -1) });
  }
  return pool;
}

/** Name of the extra field carrying the publisher's send time (monotonic clock, microseconds). */
export const STAMP_FIELD = 'bench_sent_us';

/** CLOCK_MONOTONIC in microseconds: the same clock in every process of this machine. */
export function monoMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
