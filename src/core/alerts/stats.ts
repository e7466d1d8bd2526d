/** Robust summaries of small samples (a pipeline's last runs): the median and the spread around it. */

/** The median of a non-empty sample (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median absolute deviation from the median: a spread that a few outliers do not move. */
export function medianAbsoluteDeviation(values: readonly number[], centre = median(values)): number {
  return median(values.map((v) => Math.abs(v - centre)));
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between the closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, q);
}

export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/*
 * Windows of a pipeline's newest values, laid out inside one plain number array that holds all of a
 * pipeline's series. These run for every event of every pipeline: one array per pipeline (no
 * object per window, no typed array with its own off-heap buffer) keeps the work to a few cache
 * lines, and nothing is allocated per push.
 *
 * A sorted window at `base`: [count, next, arrival × capacity, sorted × capacity]; its median is
 * O(1) after an O(capacity) push. A ring at `base`: [count, next, values × capacity].
 */

export function sortedWindowSlots(capacity: number): number {
  return 2 + 2 * capacity;
}

export function ringSlots(capacity: number): number {
  return 2 + capacity;
}

const templates = new Map<number, number[]>();

/**
 * A new series array of `slots` zeros: doubles from the start and no holes, so V8 keeps one packed
 * element kind; copied from a template built once, so the array is allocated once at its size (pushing
 * it up grew the store several times, ~4 KB of garbage per array where it keeps ~1.5 KB).
 */
export function newSeries(slots: number): number[] {
  let template = templates.get(slots);
  if (!template) {
    template = [0.5];
    for (let i = 1; i < slots; i++) template.push(0.5);
    template.length = slots;
    for (let i = 0; i < slots; i++) template[i] = 0;
    templates.set(slots, template);
  }
  return template.slice();
}

export function sortedPush(buf: number[], base: number, capacity: number, value: number): void {
  const arrival = base + 2;
  const sorted = base + 2 + capacity;
  const n = buf[base];
  const next = buf[base + 1];
  if (n < capacity) {
    // Filling up: insert in order.
    let j = sorted + n;
    while (j > sorted && buf[j - 1] > value) {
      buf[j] = buf[j - 1];
      j--;
    }
    buf[j] = value;
    buf[base] = n + 1;
  } else {
    // Full: the newest value takes the oldest one's place and moves only past the values between
    // the two (the same value again, as a share of 0 run after run, moves nothing). A linear scan
    // finds the oldest: over 20 values it beats a binary search's unpredictable branches.
    const oldest = buf[arrival + next];
    if (value > oldest) {
      let i = sorted;
      while (buf[i] < oldest) i++;
      const last = sorted + n - 1;
      while (i < last && buf[i + 1] < value) {
        buf[i] = buf[i + 1];
        i++;
      }
      buf[i] = value;
    } else if (value < oldest) {
      let i = sorted + n - 1;
      while (buf[i] > oldest) i--;
      while (i > sorted && buf[i - 1] > value) {
        buf[i] = buf[i - 1];
        i--;
      }
      buf[i] = value;
    }
  }
  buf[arrival + next] = value;
  buf[base + 1] = next + 1 === capacity ? 0 : next + 1;
}

export function windowCount(buf: readonly number[], base: number): number {
  return buf[base];
}

/** NaN when empty. */
export function sortedMedian(buf: readonly number[], base: number, capacity: number): number {
  const n = buf[base];
  if (n === 0) return NaN;
  const sorted = base + 2 + capacity;
  const mid = n >> 1;
  return n % 2 ? buf[sorted + mid] : (buf[sorted + mid - 1] + buf[sorted + mid]) / 2;
}

export function ringPush(buf: number[], base: number, capacity: number, value: number): void {
  const next = buf[base + 1];
  buf[base + 2 + next] = value;
  buf[base + 1] = (next + 1) % capacity;
  if (buf[base] < capacity) buf[base]++;
}

/** Oldest first. */
export function ringValues(buf: readonly number[], base: number, capacity: number): number[] {
  const n = buf[base];
  const start = n < capacity ? 0 : buf[base + 1];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(buf[base + 2 + ((start + i) % capacity)]);
  return out;
}
