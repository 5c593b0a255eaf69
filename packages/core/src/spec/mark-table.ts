/**
 * Marks that instructions carry and that move with them: func_info (a BTF FUNC starts here) and
 * line_info (a C source line starts here). They are dense, a line every few instructions, and are
 * read in order, so a stream keeps them as two parallel lists sorted by instruction identity
 * rather than as a Map: an open fills one with two pushes a record, where a Map costs a hashed
 * insert and its regrowth (about 1.5 µs an object for the line_info of xdp-tools' filters).
 * Plain data: it survives structuredClone, and equal marks give equal tables (one order).
 */
export interface MarkTable<T> {
  /** instruction identities, ascending, each once */
  ids: number[];
  /** what marks the instruction at the same position of `ids` */
  values: T[];
}

/** A table holding `entries` ([identity, value]; a later entry for the same identity wins). */
export function markTable<T>(entries: Iterable<readonly [number, T]> = []): MarkTable<T> {
  const table: MarkTable<T> = { ids: [], values: [] };
  for (const [id, value] of entries) setMark(table, id, value);
  return table;
}

/** The value marking identity `id`, if any. */
export function markAt<T>(table: MarkTable<T>, id: number): T | undefined {
  const at = positionOf(table.ids, id);
  return table.ids[at] === id ? table.values[at] : undefined;
}

/**
 * Marks identity `id` with `value`, replacing its mark if it has one. Appending in identity order
 * (what an open does) is a push.
 */
export function setMark<T>(table: MarkTable<T>, id: number, value: T): void {
  const { ids, values } = table;
  const last = ids.length - 1;
  if (last < 0 || ids[last]! < id) {
    ids.push(id);
    values.push(value);
    return;
  }
  const at = positionOf(ids, id);
  if (ids[at] === id) {
    values[at] = value;
    return;
  }
  ids.splice(at, 0, id);
  values.splice(at, 0, value);
}

/** Removes the mark of identity `id`, returning its value (undefined when it had none). */
export function deleteMark<T>(table: MarkTable<T>, id: number): T | undefined {
  const at = positionOf(table.ids, id);
  if (table.ids[at] !== id) return undefined;
  const value = table.values[at];
  table.ids.splice(at, 1);
  table.values.splice(at, 1);
  return value;
}

/** Removes every mark. */
export function clearMarks<T>(table: MarkTable<T>): void {
  table.ids.length = 0;
  table.values.length = 0;
}

/** The first position whose identity is at least `id` (ids.length when none is). */
function positionOf(ids: readonly number[], id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
