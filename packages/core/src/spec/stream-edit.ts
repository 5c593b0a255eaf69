import { ProgramDefinitionError } from '../errors.js';
import { PseudoCall } from '../uapi/bpf-constants.js';
import { type Instruction, LD_IMM64_CODE } from './instruction.js';
import { encodeSlot, INSTRUCTION_SIZE, slotSrcReg } from './instruction-codec.js';
import { type InstructionStream, instructionCount, viewOf } from './instruction-stream.js';
import { deleteLine, lineAt, setLine } from './line-table.js';
import { deleteMark, type MarkTable, markAt, setMark } from './mark-table.js';
import type { InstructionReference } from './relocation.js';
import { labelIndex } from './stream-views.js';

/** An instruction to put into a stream, optionally with the reference it makes. */
export interface NewInstruction extends Instruction {
  /** e.g. { kind: 'map-value', map: '.bss', offset: 0 } on the first slot of an ld_imm64 */
  reference?: InstructionReference;
}

/** Where an edit happens: a slot index, or a label (which marks a slot). */
export type EditPoint = number | string;

/**
 * Puts `insns` before the instruction at `at`. The new code runs on every path that reached that
 * instruction: jumps that targeted it land on the new code, and its place marks (func_info,
 * line_info, labels) move to the first new instruction, so a prologue at index 0 stays inside the
 * function and inserted code reports the C line it was inserted at. Its references and CO-RE
 * records stay on it. Every other jump keeps its target.
 */
export function insertInstructions(
  stream: InstructionStream,
  at: EditPoint,
  insns: readonly NewInstruction[],
): InstructionStream {
  return spliceInstructions(stream, at, 0, insns);
}

/** Replaces `count` slots at `at` with `insns`: the old ones' references and CO-RE records go. */
export function replaceInstructions(
  stream: InstructionStream,
  at: EditPoint,
  count: number,
  insns: readonly NewInstruction[],
): InstructionStream {
  return spliceInstructions(stream, at, count, insns);
}

/** Removes `count` slots at `at`; jumps into them land on what follows. */
export function removeInstructions(
  stream: InstructionStream,
  at: EditPoint,
  count: number,
): InstructionStream {
  return spliceInstructions(stream, at, count, []);
}

const JMP = 0x05;
const JMP32 = 0x06;
const OP_JA = 0x00;
const OP_CALL = 0x80;
const OP_EXIT = 0x90;

/**
 * The one edit all others are: removes `deleteCount` slots at `at` and puts `insns` there,
 * changing the stream in place (new `bytes` and `ids`; the old bytes are never written) and
 * returning it. Jump and pc-relative call offsets are recomputed from their targets; metadata
 * stays keyed by instruction identity, so only the edited slots' entries change.
 */
export function spliceInstructions(
  stream: InstructionStream,
  at: EditPoint,
  deleteCount: number,
  insns: readonly NewInstruction[],
): InstructionStream {
  const count = instructionCount(stream);
  const start = typeof at === 'string' ? labelIndex(stream, at) : at;
  const end = start + deleteCount;
  const where = { instruction: start };
  if (!Number.isInteger(start) || start < 0 || start > count) {
    throw new ProgramDefinitionError(`edit at instruction ${start}, outside 0..${count}`, {
      location: where,
    });
  }
  if (!Number.isInteger(deleteCount) || deleteCount < 0 || end > count) {
    throw new ProgramDefinitionError(`cannot remove ${deleteCount} instructions at ${start} of ${count}`, {
      location: where,
    });
  }
  const little = stream.byteOrder === 'little';
  const old = viewOf(stream.bytes);
  const secondSlots = ldImm64SecondSlots(old, count);
  for (const edge of [start, end]) {
    if (edge < count && secondSlots[edge]) {
      throw new ProgramDefinitionError(`edit at instruction ${edge} splits a 64-bit immediate load`, {
        location: { instruction: edge },
        hint: 'a 64-bit load takes two slots: edit before its first slot or after its second',
      });
    }
  }
  checkWholeLoads(insns, start);

  const inserted = insns.length;
  const total = count - deleteCount + inserted;
  const oldId = (index: number) => (stream.ids ? stream.ids[index]! : index);
  const movedTo = (index: number) => (index < start ? index : index - deleteCount + inserted);
  // A target inside the edited range, or the edit point itself, becomes the start of the new code.
  const targetTo = (index: number) =>
    index < start ? index : index < end || index === start ? start : index - deleteCount + inserted;

  const bytes = new Uint8Array(total * INSTRUCTION_SIZE);
  bytes.set(stream.bytes.subarray(0, start * INSTRUCTION_SIZE), 0);
  bytes.set(stream.bytes.subarray(end * INSTRUCTION_SIZE), (start + inserted) * INSTRUCTION_SIZE);
  const view = viewOf(bytes);
  insns.forEach((insn, i) => {
    encodeSlot(view, (start + i) * INSTRUCTION_SIZE, insn, little, start + i);
  });

  // Relative jumps of the code that stays: same target, new distance.
  for (let index = 0; index < count; index++) {
    if (index >= start && index < end) continue;
    const byte = index * INSTRUCTION_SIZE;
    const field = relativeField(old, byte, little, stream.references.get(oldId(index))?.kind === 'call');
    if (!field) continue;
    const distance = field === 'off' ? old.getInt16(byte + 2, little) : old.getInt32(byte + 4, little);
    const from = movedTo(index);
    const next = targetTo(index + 1 + distance) - (from + 1);
    if (next === distance) continue;
    const to = from * INSTRUCTION_SIZE;
    if (field === 'off') {
      if (next < -0x8000 || next > 0x7fff) {
        throw new ProgramDefinitionError(`the edit makes the jump at ${from} span ${next} instructions`, {
          location: { instruction: from },
          hint: 'a jump offset is a signed 16-bit number; rewrite the jump as gotol (32-bit distance)',
        });
      }
      view.setInt16(to + 2, next, little);
    } else {
      view.setInt32(to + 4, next, little);
    }
  }

  const ids = new Uint32Array(total);
  for (let i = 0; i < start; i++) ids[i] = oldId(i);
  let nextId = stream.nextId;
  for (let i = 0; i < inserted; i++) ids[start + i] = nextId++;
  for (let i = end; i < count; i++) ids[i - deleteCount + inserted] = oldId(i);

  // The slot that now stands where the edit happened: the first new instruction, or what follows.
  const anchor = inserted > 0 ? ids[start] : end < count ? oldId(end) : undefined;
  const edited = start < count ? oldId(start) : undefined;
  if (edited !== undefined && anchor !== undefined && edited !== anchor) moveMarks(stream, edited, anchor);
  for (let i = start; i < end; i++) dropInstruction(stream, oldId(i), anchor);
  insns.forEach((insn, i) => {
    if (insn.reference) stream.references.set(ids[start + i]!, { ...insn.reference });
  });

  stream.bytes = bytes;
  stream.ids = ids;
  stream.nextId = nextId;
  return stream;
}

/** Which field holds a pc-relative distance: jumps' off, gotol's imm, a bpf-to-bpf call's imm. */
function relativeField(
  view: DataView,
  byte: number,
  little: boolean,
  symbolicCall: boolean,
): 'off' | 'imm' | undefined {
  const code = view.getUint8(byte);
  const cls = code & 0x07;
  if (cls !== JMP && cls !== JMP32) return undefined;
  const op = code & 0xf0;
  if (op === OP_EXIT) return undefined;
  if (op === OP_CALL) {
    // Calls the relocator links by name keep imm as the compiler wrote it; others are relative.
    const src = slotSrcReg(view, byte, little);
    return cls === JMP && src === PseudoCall.CALL && !symbolicCall ? 'imm' : undefined;
  }
  return cls === JMP32 && op === OP_JA ? 'imm' : 'off';
}

/** Slot flags: 1 where a slot is the second half of a 64-bit immediate load. */
function ldImm64SecondSlots(view: DataView, count: number): Uint8Array {
  const flags = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (view.getUint8(i * INSTRUCTION_SIZE) === LD_IMM64_CODE && i + 1 < count) flags[++i] = 1;
  }
  return flags;
}

function checkWholeLoads(insns: readonly NewInstruction[], start: number): void {
  for (let i = 0; i < insns.length; i++) {
    if (insns[i]!.code !== LD_IMM64_CODE) continue;
    if (i + 1 >= insns.length) {
      throw new ProgramDefinitionError('the new code ends in the first half of a 64-bit immediate load', {
        location: { instruction: start + i },
        hint: 'give both slots of the ld_imm64 (the second has code 0 and the high 32 bits in imm)',
      });
    }
    i++;
  }
}

/** Moves the place marks (func_info, line_info, labels) of one instruction to another. */
function moveMarks(stream: InstructionStream, from: number, to: number): void {
  moveMark(stream.funcInfo, from, to);
  const line = deleteLine(stream.lineInfo, from);
  if (line !== undefined && lineAt(stream.lineInfo, to) === undefined) setLine(stream.lineInfo, to, line);
  for (const [name, id] of stream.labels) if (id === from) stream.labels.set(name, to);
}

/** Moves the mark of `from` to `to`, unless `to` has its own. */
function moveMark<T>(table: MarkTable<T>, from: number, to: number): void {
  const value = deleteMark(table, from);
  if (value !== undefined && markAt(table, to) === undefined) setMark(table, to, value);
}

/** Forgets a removed instruction's metadata; labels on it move to `anchor`, where the code went. */
function dropInstruction(stream: InstructionStream, id: number, anchor: number | undefined): void {
  stream.references.delete(id);
  stream.coreRelocations.delete(id);
  deleteMark(stream.funcInfo, id);
  deleteLine(stream.lineInfo, id);
  for (const [name, labelled] of stream.labels) {
    if (labelled !== id) continue;
    if (anchor === undefined) stream.labels.delete(name);
    else stream.labels.set(name, anchor);
  }
}
