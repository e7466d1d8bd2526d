// One home for trusting a producer's clock. A time a producer claims (`finished_at`, a stream ID
// built from it) is shown as claimed, but wherever it becomes an anchor — lateness, an ID, a
// received time, an axis — it is bounded by the local clock plus this allowance, so one event
// from year 9999 cannot move an anchor for good.

/** How far ahead of the local clock a producer's claimed time may be and still be taken as is. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/** The claimed instant, or `nowMs + CLOCK_SKEW_ALLOWANCE_MS` when it claims to be later than that. */
export function boundedInstant(claimedMs: number, nowMs: number): number {
  const ceiling = nowMs + CLOCK_SKEW_ALLOWANCE_MS;
  return claimedMs > ceiling ? ceiling : claimedMs;
}

/** Whether a claimed instant lies beyond what the local clock allows for. */
export function isBeyondSkew(claimedMs: number, nowMs: number): boolean {
  return claimedMs > nowMs + CLOCK_SKEW_ALLOWANCE_MS;
}
