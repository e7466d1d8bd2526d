/**
 * `list` with `item` at its end, or a new one-element array when there is none yet. The alert
 * answers (transitions, findings, notices) mostly hold one item: `[item]` is allocated at its size,
 * where `[]` and a push reserve room for 17 (V8's first growth), ~60 bytes more garbage for every
 * run with something to say, and garbage brings the next collection of the whole young
 * generation (the store's runs in it included) nearer.
 */
export function withItem<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}
