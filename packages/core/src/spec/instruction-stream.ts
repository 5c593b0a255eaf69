import type { Instruction } from './instruction.js';
import {
  type ByteOrder,
  decodeInstructions,
  decodeSlot,
  encodeInstructions,
  INSTRUCTION_SIZE,
} from './instruction-codec.js';
import { type LineTable, lineTable } from './line-table.js';
import { type MarkTable, markTable } from './mark-table.js';
import type { CoreRecord, LineRecord } from './program.js';
import type { InstructionReference } from './relocation.js';

/**
 * A function's code as cilium/ebpf's asm.Instructions keeps it: metadata travels with the
 * instruction it describes, so inserting or removing code keeps every map reference, call,
 * CO-RE record, line and label on the right instruction. The code stays in its compact form
 * (`struct bpf_insn` slots, a view of the object file's section until the first edit copies it)
 * and is decoded only when asked for. Metadata is keyed by an instruction's identity, which an
 * edit never changes: sparse references and CO-RE records in maps, dense func_info and line_info
 * marks in sorted tables (mark-table.ts, line-table.ts).
 *
 * Plain data: it survives structuredClone and compares with toEqual. Read and edit it through the
 * stream functions; never write into `bytes` (it may be the object file's buffer).
 */
export interface InstructionStream {
  byteOrder: ByteOrder;
  /** struct bpf_insn slots in `byteOrder`; replaced, never written, by edits */
  bytes: Uint8Array;
  /** the identity of each slot, once an edit has moved any; absent while slot i's identity is i */
  ids?: Uint32Array;
  /** the identity the next inserted instruction gets */
  nextId: number;
  /** symbolic references (maps, global data, functions, externs, kfuncs) by instruction identity */
  references: Map<number, InstructionReference>;
  /** CO-RE relocation records by instruction identity */
  coreRelocations: Map<number, CoreRecord>;
  /** BTF FUNC type id of the function that starts at an instruction (func_info) */
  funcInfo: MarkTable<number>;
  /** the C source line an instruction starts (line_info), as columns (line-table.ts) */
  lineInfo: LineTable;
  /** label name to instruction identity: jump targets and edit points that move with the code */
  labels: Map<string, number>;
}

/** Metadata keyed by slot index, for creating a stream (identities start equal to the indices). */
export interface StreamMetadata {
  references?: Iterable<readonly [number, InstructionReference]>;
  coreRelocations?: Iterable<readonly [number, CoreRecord]>;
  funcInfo?: Iterable<readonly [number, number]>;
  lineInfo?: Iterable<readonly [number, LineRecord]>;
  labels?: Iterable<readonly [string, number]>;
}

/** A stream over `bytes` as they are (no copy): whole `struct bpf_insn` slots in `byteOrder`. */
export function createInstructionStream(
  bytes: Uint8Array,
  byteOrder: ByteOrder,
  metadata: StreamMetadata = {},
): InstructionStream {
  if (bytes.byteLength % INSTRUCTION_SIZE !== 0) decodeInstructions(bytes, byteOrder); // throws, saying why
  return {
    byteOrder,
    bytes,
    nextId: bytes.byteLength / INSTRUCTION_SIZE,
    // new Map() without an argument: an open creates these per function, mostly empty
    references: metadata.references ? new Map(metadata.references) : new Map(),
    coreRelocations: metadata.coreRelocations ? new Map(metadata.coreRelocations) : new Map(),
    funcInfo: markTable(metadata.funcInfo),
    lineInfo: lineTable(metadata.lineInfo),
    labels: metadata.labels ? new Map(metadata.labels) : new Map(),
  };
}

/** A stream holding `insns` (encoded, so out-of-range fields fail here). */
export function streamFromInstructions(
  insns: readonly Instruction[],
  byteOrder: ByteOrder,
  metadata: StreamMetadata = {},
): InstructionStream {
  return createInstructionStream(encodeInstructions(insns, byteOrder), byteOrder, metadata);
}

/** Number of instruction slots (a 64-bit immediate load counts two). */
export function instructionCount(stream: InstructionStream): number {
  return stream.bytes.byteLength / INSTRUCTION_SIZE;
}

/** The instruction in slot `index`, decoded on demand. */
export function instructionAt(stream: InstructionStream, index: number): Instruction {
  if (!Number.isInteger(index) || index < 0 || index >= instructionCount(stream)) {
    throw new RangeError(`instruction ${index} is outside 0..${instructionCount(stream) - 1}`);
  }
  return decodeSlot(viewOf(stream.bytes), index * INSTRUCTION_SIZE, stream.byteOrder === 'little');
}

/** Every slot decoded: copies, so changing them changes nothing in the stream. */
export function streamInstructions(stream: InstructionStream): Instruction[] {
  return decodeInstructions(stream.bytes, stream.byteOrder);
}

/** The slots in `byteOrder` (the stream's own bytes when the order already matches). */
export function streamBytes(stream: InstructionStream, byteOrder: ByteOrder): Uint8Array {
  return byteOrder === stream.byteOrder
    ? stream.bytes
    : encodeInstructions(streamInstructions(stream), byteOrder);
}

/** The identity of slot `index`: stable through edits, the key of its metadata. */
export function instructionId(stream: InstructionStream, index: number): number {
  return stream.ids ? stream.ids[index]! : index;
}

/** Where each identity sits now: a lookup from identity to slot index (undefined once removed). */
export function slotIndexer(stream: InstructionStream): (id: number) => number | undefined {
  const count = instructionCount(stream);
  const ids = stream.ids;
  if (!ids) return (id) => (id < count ? id : undefined);
  const positions = new Int32Array(stream.nextId).fill(-1);
  for (let i = 0; i < ids.length; i++) positions[ids[i]!] = i;
  return (id) => {
    const at = positions[id];
    return at === undefined || at < 0 ? undefined : at;
  };
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
