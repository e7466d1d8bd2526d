import type { RunRecord } from '../runs';

/** A run on its way to its stream (one batch at a time is made of these). */
export interface Pending {
  readonly resultName: string;
  /** Its stream, `<prefix>:<result_name>:runs`: one string per pipeline, not one per run. */
  readonly key: string;
  /**
   * What the entry is written from. The payload's bytes as received (a live run while connected):
   * the producer's own JSON, written as it is, no encoding per run; they are a view of the client's
   * read buffer, so a backlog that waits for a connection keeps their text instead (dropWires).
   * Else the run, encoded when sent: state reads, held live runs, a run the store bounded. The
   * decoded run is not kept for the bytes: a queue of thousands holds no parsed objects.
   */
  payload: Buffer | string | RunRecord;
  /** A state read whose ID time is when it arrived: see the recorder's alreadyInStreams. */
  readonly checkStream: boolean;
  /** `<ms>-<seq>`, made when the batch is taken. */
  readonly id: string;
  /** The ID's two parts, for sorting; `seq` is the run's hash. */
  readonly ms: number;
  readonly seq: number;
  /** Passing refusals so far. */
  attempts: number;
}

/**
 * The runs waiting to be written, first first, on a growable ring of parallel arrays: a backlog of
 * thousands (all of a burst is queued before the first batch goes) holds no object and no ID text
 * per run for the collector to copy; a Pending is made only for the batch being sent.
 */
export class RunQueue {
  private names: Array<string | undefined> = new Array(16);
  private keys: Array<string | undefined> = new Array(16);
  private payloads: Array<Buffer | string | RunRecord | undefined> = new Array(16);
  private ms = new Float64Array(16);
  private seqs = new Float64Array(16);
  /** Bit 0: checkStream; the rest: attempts. */
  private flags = new Float64Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(resultName: string, key: string, payload: Buffer | string | RunRecord, checkStream: boolean, ms: number, seq: number): void {
    if (this.count === this.names.length) this.grow();
    this.put((this.head + this.count) % this.names.length, resultName, key, payload, checkStream, ms, seq, 0);
    this.count++;
  }

  /** Drops the first. */
  dropFirst(): void {
    if (this.count === 0) return;
    this.clear(this.head);
    this.head = (this.head + 1) % this.names.length;
    this.count--;
  }

  /** Removes and returns the first `n` (or all there are), first first. */
  take(n: number): Pending[] {
    const out: Pending[] = [];
    while (out.length < n && this.count > 0) {
      const i = this.head;
      const ms = this.ms[i];
      const seq = this.seqs[i];
      const flags = this.flags[i];
      const payload = this.payloads[i] as Buffer | string | RunRecord;
      out.push({ resultName: this.names[i] as string, key: this.keys[i] as string, payload, checkStream: (flags & 1) === 1, id: `${ms}-${seq}`, ms, seq, attempts: flags >>> 1 });
      this.clear(i);
      this.head = (this.head + 1) % this.names.length;
      this.count--;
    }
    return out;
  }

  /** Puts `items` first, in their order. */
  unshiftAll(items: readonly Pending[]): void {
    for (let k = items.length - 1; k >= 0; k--) {
      const p = items[k];
      if (this.count === this.names.length) this.grow();
      this.head = (this.head - 1 + this.names.length) % this.names.length;
      this.put(this.head, p.resultName, p.key, p.payload, p.checkStream, p.ms, p.seq, p.attempts);
      this.count++;
    }
  }

  /** Payload bytes become their text (they are a view of a read buffer that should go). */
  dropWires(): void {
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.names.length;
      const payload = this.payloads[i];
      if (Buffer.isBuffer(payload)) this.payloads[i] = payload.toString('utf8');
    }
  }

  private put(i: number, resultName: string, key: string, payload: Buffer | string | RunRecord, checkStream: boolean, ms: number, seq: number, attempts: number): void {
    this.names[i] = resultName;
    this.keys[i] = key;
    this.payloads[i] = payload;
    this.ms[i] = ms;
    this.seqs[i] = seq;
    this.flags[i] = attempts * 2 + (checkStream ? 1 : 0);
  }

  private clear(i: number): void {
    this.names[i] = undefined;
    this.keys[i] = undefined;
    this.payloads[i] = undefined;
  }

  private grow(): void {
    const size = this.names.length * 2;
    const names: Array<string | undefined> = new Array(size);
    const keys: Array<string | undefined> = new Array(size);
    const payloads: Array<Buffer | string | RunRecord | undefined> = new Array(size);
    const ms = new Float64Array(size);
    const seqs = new Float64Array(size);
    const flags = new Float64Array(size);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.names.length;
      names[k] = this.names[i];
      keys[k] = this.keys[i];
      payloads[k] = this.payloads[i];
      ms[k] = this.ms[i];
      seqs[k] = this.seqs[i];
      flags[k] = this.flags[i];
    }
    this.names = names;
    this.keys = keys;
    this.payloads = payloads;
    this.ms = ms;
    this.seqs = seqs;
    this.flags = flags;
    this.head = 0;
  }
}
