// Finding a run in one history while many are added to it in a row (a stream read at connect).
import type { TdtpResult } from './decode';
import type { KeptItem } from './keptRun';
import { sameRunFields } from './keptRun';
import type { Ring } from './ring';
import type { RunRecord } from './runs';

/**
 * Answers `history.some(same)` for the ring as it is now, while runs are pushed one after another,
 * without comparing each new run with the whole history (100 runs read into a pipeline were 5,000
 * comparisons). Items are grouped by String(duration_ms): sameRunAs compares that field first and
 * only items with it equal can match. An item's place counts from the newest; each push moves every
 * item one place back, and the ring holds only places below its capacity.
 */
export class HistoryIndex {
  private readonly groups = new Map<string, Array<{ readonly item: KeptItem; readonly offset: number }>>();
  /** Runs pushed since the index was made (`pushed`). */
  private pushes = 0;

  constructor(
    readonly history: Ring<KeptItem>,
    readonly capacity: number,
  ) {
    for (let i = 0; i < history.size; i++) {
      const item = history.at(i);
      if (item.kind !== 'gap') this.group(item, i);
    }
  }

  /** `history.some(sameRunAs(result))`, for a result without U+0000 in its identity's fields (identityHasSeparator). */
  has(result: TdtpResult): boolean {
    const group = this.groups.get(String(result.duration_ms));
    if (group === undefined) return false;
    for (const { item, offset } of group) if (offset + this.pushes < this.capacity && sameRunFields(result, item)) return true;
    return false;
  }

  /** `record` was pushed (it is now the newest item). */
  pushed(record: RunRecord): void {
    this.pushes++;
    this.group(record, -this.pushes);
  }

  private group(item: KeptItem, offset: number): void {
    const duration = item.kind === 'kept' ? item.identityField('duration_ms') : item.kind === 'run' ? item.run.result.duration_ms : undefined;
    const key = String(duration);
    const group = this.groups.get(key);
    if (group) group.push({ item, offset });
    else this.groups.set(key, [{ item, offset }]);
  }
}
