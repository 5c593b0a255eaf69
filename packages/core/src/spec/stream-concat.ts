import type { ByteOrder } from './instruction-codec.js';
import { INSTRUCTION_SIZE } from './instruction-codec.js';
import { type InstructionStream, instructionCount, slotIndexer, streamBytes } from './instruction-stream.js';
import { lineEntries, lineTable } from './line-table.js';
import { type MarkTable, markTable, setMark } from './mark-table.js';
import type { LineRecord } from './program.js';

/** A stream made of others laid end to end, and where each one starts. */
export interface ConcatenatedStream {
  stream: InstructionStream;
  /** slot index at which each input begins */
  starts: number[];
}

/**
 * Lays streams one after another, as linking appends subprograms (libbpf's
 * bpf_object__append_subprog_code): every piece of metadata comes along to the slot its
 * instruction lands in. The result's identities are its slot indices; a label that an earlier
 * stream already used keeps the earlier one's place.
 */
export function concatStreams(parts: readonly InstructionStream[], byteOrder: ByteOrder): ConcatenatedStream {
  const total = parts.reduce((sum, part) => sum + instructionCount(part), 0);
  const bytes = new Uint8Array(total * INSTRUCTION_SIZE);
  const stream: InstructionStream = {
    byteOrder,
    bytes,
    nextId: total,
    references: new Map(),
    coreRelocations: new Map(),
    funcInfo: markTable(),
    lineInfo: lineTable(),
    labels: new Map(),
  };
  // every part's lines, gathered and made into one table at the end: one array, not one per line
  const lines: [number, LineRecord][] = [];
  const starts: number[] = [];
  let start = 0;
  for (const part of parts) {
    starts.push(start);
    bytes.set(streamBytes(part, byteOrder), start * INSTRUCTION_SIZE);
    const at = slotIndexer(part);
    const base = start;
    const carry = <T>(from: Map<number, T>, to: Map<number, T>, copy: (value: T) => T) => {
      for (const [id, value] of from) {
        const index = at(id);
        if (index !== undefined) to.set(base + index, copy(value));
      }
    };
    carry(part.references, stream.references, (r) => ({ ...r }));
    carry(part.coreRelocations, stream.coreRelocations, (r) => ({ ...r }));
    const carryMarks = <T>(from: MarkTable<T>, to: MarkTable<T>, copy: (value: T) => T) => {
      for (let i = 0; i < from.ids.length; i++) {
        const index = at(from.ids[i]!);
        if (index !== undefined) setMark(to, base + index, copy(from.values[i]!));
      }
    };
    carryMarks(part.funcInfo, stream.funcInfo, (t) => t);
    for (const [id, record] of lineEntries(part.lineInfo)) {
      const index = at(id);
      if (index !== undefined) lines.push([base + index, record]);
    }
    for (const [name, id] of part.labels) {
      const index = at(id);
      if (index !== undefined && !stream.labels.has(name)) stream.labels.set(name, base + index);
    }
    start += instructionCount(part);
  }
  stream.lineInfo = lineTable(lines);
  return { stream, starts };
}
