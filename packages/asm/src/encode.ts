import { type Instruction, ProgramDefinitionError } from '@bpfkit/core';
import type { ByteOrder } from './byte-order.js';
import { INSTRUCTION_SIZE } from './decode.js';

/**
 * Writes instructions as `struct bpf_insn` slots in the given byte order (see decodeInstructions
 * for the register nibbles). Fields out of range are an error rather than silently truncated, so
 * a bad offset or immediate is caught here and not by the verifier.
 */
export function encodeInstructions(insns: readonly Instruction[], byteOrder: ByteOrder): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSTRUCTION_SIZE);
  const view = new DataView(bytes.buffer);
  const little = byteOrder === 'little';
  for (let i = 0, at = 0; i < insns.length; i++, at += INSTRUCTION_SIZE) {
    const insn = insns[i]!;
    checkFields(insn, i);
    bytes[at] = insn.code;
    bytes[at + 1] = little ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src;
    view.setInt16(at + 2, insn.off, little);
    view.setInt32(at + 4, insn.imm, little);
  }
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
