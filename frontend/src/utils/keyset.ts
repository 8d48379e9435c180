/** The API's keyset order for messages: newest first by (createdAt, id). */
export interface Keyed {
  id: string;
  createdAt: string;
}

/** Negative when `a` comes before `b` in newest-first order. */
export function newestFirst(a: Keyed, b: Keyed): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Puts `item` where the server would have listed it. With more pages to come (`complete` false), an item older
 * than the last loaded one belongs to a later page and is left out, so "load more" neither skips nor repeats.
 */
export function insertNewestFirst<T extends Keyed>(items: readonly T[], item: T, complete: boolean): T[] {
  const last = items[items.length - 1];
  if (!complete && last && newestFirst(item, last) > 0) return [...items];
  const index = items.findIndex((existing) => newestFirst(item, existing) < 0);
  const at = index === -1 ? items.length : index;
  return [...items.slice(0, at), item, ...items.slice(at)];
}
