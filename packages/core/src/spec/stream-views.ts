import { NotFoundError } from '../errors.js';
import type { ByteOrder } from './instruction-codec.js';
import { type InstructionStream, instructionCount, slotIndexer, streamBytes } from './instruction-stream.js';
import { lineEntries } from './line-table.js';
import type { CoreRelocation, FuncInfo, LineInfo } from './program.js';
import type { Placed, ProgramRelocation } from './relocation.js';

/**
 * The stream's metadata at the slot indices it has now, in index order. Indices are only as good
 * as the layout they were read from: read them again after an edit.
 */
function placed<T extends object>(stream: InstructionStream, entries: Map<number, T>): Placed<T>[] {
  if (entries.size === 0) return [];
  const at = slotIndexer(stream);
  const out: Placed<T>[] = [];
  for (const [id, value] of entries) {
    const instruction = at(id);
    if (instruction !== undefined) out.push({ ...value, instruction } as Placed<T>);
  }
  return out.sort((a, b) => a.instruction - b.instruction);
}

/** Map, data, function and extern references with their current instruction index. */
export function streamReferences(stream: InstructionStream): ProgramRelocation[] {
  return placed(stream, stream.references);
}

export function streamCoreRelocations(stream: InstructionStream): CoreRelocation[] {
  return placed(stream, stream.coreRelocations);
}

export function streamLineInfo(stream: InstructionStream): LineInfo[] {
  if (stream.lineInfo.marks.length === 0) return [];
  const at = slotIndexer(stream);
  const out: LineInfo[] = [];
  for (const [id, record] of lineEntries(stream.lineInfo)) {
    const instruction = at(id);
    if (instruction !== undefined) out.push({ ...record, instruction });
  }
  return out.sort((a, b) => a.instruction - b.instruction);
}

export function streamFuncInfo(stream: InstructionStream): FuncInfo[] {
  const { ids, values } = stream.funcInfo;
  const at = slotIndexer(stream);
  const out: FuncInfo[] = [];
  for (let i = 0; i < ids.length; i++) {
    const instruction = at(ids[i]!);
    if (instruction !== undefined) out.push({ instruction, typeId: values[i]! });
  }
  return out.sort((a, b) => a.instruction - b.instruction);
}

/** Labels with the index they mark now. */
export function streamLabels(stream: InstructionStream): { name: string; instruction: number }[] {
  const at = slotIndexer(stream);
  const out: { name: string; instruction: number }[] = [];
  for (const [name, id] of stream.labels) {
    const instruction = at(id);
    if (instruction !== undefined) out.push({ name, instruction });
  }
  return out.sort((a, b) => a.instruction - b.instruction);
}

/** The slot a label marks now. */
export function labelIndex(stream: InstructionStream, label: string): number {
  const id = stream.labels.get(label);
  const index = id === undefined ? undefined : slotIndexer(stream)(id);
  if (index === undefined) {
    throw new NotFoundError(`no instruction is labelled "${label}"`, {
      location: { symbol: label },
      hint: `labels: ${[...stream.labels.keys()].join(', ') || 'none'}`,
    });
  }
  return index;
}

/** Names slot `index` (moving the label if it named another). */
export function setLabel(stream: InstructionStream, label: string, index: number): void {
  const count = instructionCount(stream);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`label "${label}": instruction ${index} is outside 0..${count - 1}`);
  }
  stream.labels.set(label, stream.ids ? stream.ids[index]! : index);
}

/** What PROG_LOAD takes: the slots, and func_info / line_info at their final indices. */
export interface EncodedProgram {
  bytes: Uint8Array;
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
}

/** The stream as PROG_LOAD wants it, in `byteOrder` (the host's for a load). */
export function encodeStream(stream: InstructionStream, byteOrder: ByteOrder): EncodedProgram {
  return {
    bytes: streamBytes(stream, byteOrder),
    funcInfo: streamFuncInfo(stream),
    lineInfo: streamLineInfo(stream),
  };
}
