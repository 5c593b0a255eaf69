import { UsageError } from '../errors.js';
import type { LineRecord } from './program.js';

/** u32s a mark takes in `LineTable.marks`: the instruction identity, file_name_off, line_off, line_col. */
export const LINE_MARK_WORDS = 4;
/** BPF_LINE_INFO_LINE_NUM / BPF_LINE_INFO_LINE_COL: line_col holds the line above 10 bits of column. */
const COLUMN_BITS = 10;
const MAX_COLUMN = (1 << COLUMN_BITS) - 1;
const MAX_LINE = 2 ** (32 - COLUMN_BITS) - 1;

/**
 * The line_info marks of a stream (the C source line an instruction starts), as one column of
 * u32s rather than an object per line: per mark the instruction's identity and the last three
 * fields of struct bpf_line_info (file_name_off, line_off, line_col), identities ascending, each
 * once. An open copies .BTF.ext's records in and a load copies them out, making no object per
 * line (a table of LineRecord objects made the bench's opens 0.3 µs slower, alternated in one
 * process).
 *
 * Plain data: it survives structuredClone, and equal marks give equal tables. Read and write it
 * through the functions here; an insert or removal replaces `marks` (which may be a pooled range),
 * so keep the table, not its array.
 */
export interface LineTable {
  marks: Uint32Array;
}

/** The marks of a table without any, shared: nothing writes into an array of no marks. */
const NO_MARKS = new Uint32Array(0);

/** The u32s of `count` marks, zeroed. */
function newMarks(count: number): Uint32Array {
  return count === 0 ? NO_MARKS : new Uint32Array(count * LINE_MARK_WORDS);
}

/** A table holding `entries` ([identity, record]; a later entry for the same identity wins). */
export function lineTable(entries?: Iterable<readonly [number, LineRecord]>): LineTable {
  // an open makes one per function, most with their marks filled in afterwards
  if (entries === undefined) return { marks: NO_MARKS };
  const sorted = [...entries].map(([id, record], order) => ({ id, record, order }));
  // by identity, and the later of two entries for one identity last, so that it wins below
  sorted.sort((a, b) => a.id - b.id || a.order - b.order);
  const kept = sorted.filter((entry, i) => i + 1 === sorted.length || sorted[i + 1]!.id !== entry.id);
  const marks = newMarks(kept.length);
  for (let i = 0; i < kept.length; i++) {
    const { id, record } = kept[i]!;
    checkRecord(record);
    writeMark(marks, i * LINE_MARK_WORDS, id, record);
  }
  return { marks };
}

/** How many instructions the table marks. */
export function lineCount(table: LineTable): number {
  return table.marks.length / LINE_MARK_WORDS;
}

/** Every mark as [identity, record], in identity order (copies: changing them changes nothing). */
export function lineEntries(table: LineTable): [number, LineRecord][] {
  const entries: [number, LineRecord][] = [];
  const marks = table.marks;
  for (let at = 0; at < marks.length; at += LINE_MARK_WORDS) entries.push([marks[at]!, recordAt(marks, at)]);
  return entries;
}

/** The record marking identity `id`, if any. */
export function lineAt(table: LineTable, id: number): LineRecord | undefined {
  const at = wordOf(table.marks, id);
  // past the last mark, marks[at] is undefined
  return table.marks[at] === id ? recordAt(table.marks, at) : undefined;
}

/** Marks identity `id` with `record`, replacing its mark if it has one. */
export function setLine(table: LineTable, id: number, record: LineRecord): void {
  checkRecord(record);
  const marks = table.marks;
  const at = wordOf(marks, id);
  if (at < marks.length && marks[at] === id) {
    writeMark(marks, at, id, record);
    return;
  }
  const grown = newMarks(marks.length / LINE_MARK_WORDS + 1);
  grown.set(marks.subarray(0, at));
  writeMark(grown, at, id, record);
  grown.set(marks.subarray(at), at + LINE_MARK_WORDS);
  table.marks = grown;
}

/** Removes the mark of identity `id`, returning its record (undefined when it had none). */
export function deleteLine(table: LineTable, id: number): LineRecord | undefined {
  const marks = table.marks;
  const at = wordOf(marks, id);
  if (at >= marks.length || marks[at] !== id) return undefined;
  const record = recordAt(marks, at);
  const shrunk = newMarks(marks.length / LINE_MARK_WORDS - 1);
  shrunk.set(marks.subarray(0, at));
  shrunk.set(marks.subarray(at + LINE_MARK_WORDS), at);
  table.marks = shrunk;
  return record;
}

/** Removes every mark. */
export function clearLines(table: LineTable): void {
  table.marks = newMarks(0);
}

function recordAt(marks: Uint32Array, at: number): LineRecord {
  const lineCol = marks[at + 3]!;
  return {
    fileNameOffset: marks[at + 1]!,
    lineOffset: marks[at + 2]!,
    line: lineCol >>> COLUMN_BITS,
    column: lineCol & MAX_COLUMN,
  };
}

function writeMark(marks: Uint32Array, at: number, id: number, record: LineRecord): void {
  marks[at] = id;
  marks[at + 1] = record.fileNameOffset;
  marks[at + 2] = record.lineOffset;
  marks[at + 3] = ((record.line << COLUMN_BITS) | record.column) >>> 0;
}

/** What struct bpf_line_info holds each field of a LineRecord in: the largest value that fits. */
const RECORD_LIMITS: readonly (readonly [keyof LineRecord, number])[] = [
  ['fileNameOffset', 0xffffffff],
  ['lineOffset', 0xffffffff],
  ['line', MAX_LINE],
  ['column', MAX_COLUMN],
];

/** Refuses a record the table could not hold as it is (line_col packs line and column). */
function checkRecord(record: LineRecord): void {
  for (const [field, max] of RECORD_LIMITS) {
    const value = record[field];
    if (Number.isInteger(value) && value >= 0 && value <= max) continue;
    throw new UsageError(`line_info ${field} ${value} does not fit struct bpf_line_info`, {
      hint: `string offsets are u32; line_col holds a line of up to ${MAX_LINE} and a column of up to ${MAX_COLUMN}`,
    });
  }
}

/** The word where identity `id`'s mark is or would go (marks.length when past every mark). */
function wordOf(marks: Uint32Array, id: number): number {
  let low = 0;
  let high = marks.length / LINE_MARK_WORDS;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (marks[mid * LINE_MARK_WORDS]! < id) low = mid + 1;
    else high = mid;
  }
  return low * LINE_MARK_WORDS;
}
