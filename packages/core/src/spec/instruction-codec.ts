import { ProgramDefinitionError } from '../errors.js';
import type { Instruction } from './instruction.js';

/** Byte order of an object file: EI_DATA of its ELF header, or the target the program is for. */
export type ByteOrder = 'little' | 'big';

/** Size of one `struct bpf_insn` slot. */
export const INSTRUCTION_SIZE = 8;

/**
 * Reads one `struct bpf_insn` slot at byte `at`: u8 code, the register byte, s16 off, s32 imm. The
 * register byte is a C bitfield pair `dst_reg:4, src_reg:4`, whose nibble order follows the byte
 * order: dst is the low nibble in little-endian objects and the high nibble in big-endian ones.
 */
export function decodeSlot(view: DataView, at: number, little: boolean): Instruction {
  const regs = view.getUint8(at + 1);
  return {
    code: view.getUint8(at),
    dst: little ? regs & 0x0f : regs >> 4,
    src: little ? regs >> 4 : regs & 0x0f,
    off: view.getInt16(at + 2, little),
    imm: view.getInt32(at + 4, little),
  };
}

/**
 * The src_reg of the slot at byte `at`, read alone: for passes that look at one field of many
 * slots (relocations, edits) and make no Instruction. Nibble order as in decodeSlot.
 */
export function slotSrcReg(view: DataView, at: number, little: boolean): number {
  const regs = view.getUint8(at + 1);
  return little ? regs >> 4 : regs & 0x0f;
}

/** Writes one slot at byte `at`, checking every field's range first (`index` names it in errors). */
export function encodeSlot(
  view: DataView,
  at: number,
  insn: Instruction,
  little: boolean,
  index: number,
): void {
  checkFields(insn, index);
  view.setUint8(at, insn.code);
  view.setUint8(at + 1, little ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src);
  view.setInt16(at + 2, insn.off, little);
  view.setInt32(at + 4, insn.imm, little);
}

/**
 * Reads `struct bpf_insn` slots. A 64-bit immediate load stays two slots, so indices keep matching
 * byte offsets / 8.
 */
export function decodeInstructions(bytes: Uint8Array, byteOrder: ByteOrder): Instruction[] {
  if (bytes.byteLength % INSTRUCTION_SIZE !== 0) {
    const whole = bytes.byteLength - (bytes.byteLength % INSTRUCTION_SIZE);
    throw new ProgramDefinitionError(
      `instruction bytes are ${bytes.byteLength} long, not a multiple of ${INSTRUCTION_SIZE}`,
      {
        location: { byteOffset: whole },
        hint: 'the section or buffer is truncated, or it does not hold eBPF instructions',
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = byteOrder === 'little';
  const count = bytes.byteLength / INSTRUCTION_SIZE;
  const insns = new Array<Instruction>(count);
  for (let i = 0; i < count; i++) insns[i] = decodeSlot(view, i * INSTRUCTION_SIZE, little);
  return insns;
}

/**
 * Writes instructions as `struct bpf_insn` slots in the given byte order. Fields out of range are
 * an error rather than silently truncated, so a bad offset or immediate is caught here and not by
 * the verifier.
 */
export function encodeInstructions(insns: readonly Instruction[], byteOrder: ByteOrder): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSTRUCTION_SIZE);
  const view = new DataView(bytes.buffer);
  const little = byteOrder === 'little';
  for (let i = 0; i < insns.length; i++) encodeSlot(view, i * INSTRUCTION_SIZE, insns[i]!, little, i);
  return bytes;
}

function checkFields(insn: Instruction, index: number): void {
  if (!isIntIn(insn.code, 0, 0xff)) throw fieldError(insn, index, 'code', 'a byte (0..255)');
  if (!isIntIn(insn.dst, 0, 15)) throw fieldError(insn, index, 'dst', 'a register number (0..15)');
  if (!isIntIn(insn.src, 0, 15)) throw fieldError(insn, index, 'src', 'a register number (0..15)');
  if (!isIntIn(insn.off, -0x8000, 0x7fff)) throw fieldError(insn, index, 'off', 'a signed 16-bit integer');
  if (!isIntIn(insn.imm, -0x80000000, 0x7fffffff)) {
    throw fieldError(
      insn,
      index,
      'imm',
      'a signed 32-bit integer',
      'write unsigned 32-bit values as `value | 0`',
    );
  }
}

function fieldError(
  insn: Instruction,
  index: number,
  field: keyof Instruction,
  range: string,
  hint?: string,
): ProgramDefinitionError {
  return new ProgramDefinitionError(`instruction field ${field} is ${String(insn[field])}, not ${range}`, {
    location: { instruction: index, field, byteOffset: index * INSTRUCTION_SIZE },
    ...(hint === undefined ? {} : { hint }),
  });
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
