import { type Instruction, LD_IMM64_CODE } from '@bpfkit/core';
import type { RelocationValue } from './relo-value.js';

/** The helper id a poisoned instruction calls: 0xbad2310, "bad relo" (libbpf's bpf_core_poison_insn). */
export const CORE_POISON_HELPER = 195896080;

const BPF_JMP_CALL = 0x85;
const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, ALU64: 0x07 } as const;
const BPF_K = 0x00;
/** BPF_SIZE bits (0x18) → bytes, and back */
const SIZE_BYTES: Record<number, number> = { 0: 4, 8: 2, 16: 1, 24: 8 };
const BYTES_SIZE: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

/** A patch that cannot be applied; relocateCore turns it into a RelocationError. */
export class PatchError extends Error {}

/** Replaces an instruction with a call to helper 0xbad2310, which the verifier rejects if reachable. */
export function poisonInstruction(insn: Instruction): void {
  insn.code = BPF_JMP_CALL;
  insn.dst = 0;
  insn.src = 0;
  insn.off = 0;
  insn.imm = CORE_POISON_HELPER;
}

/** What a patch did, for the result and for the loader's debug output. */
export interface PatchOutcome {
  poisoned: boolean;
  /** 'alu imm', 'mem off', 'ld_imm64' */
  site?: string;
  /** the load/store width before and after, when it changed */
  memorySize?: { from: number; to: number };
}

const u64 = (value: bigint) => BigInt.asUintN(64, value);

/**
 * libbpf's bpf_core_patch_insn: writes a relocated value into the instruction at `index`:
 * the immediate of an ALU/ALU64 op with a constant operand, the offset (and, when the field's
 * size changed, the width) of an LDX/ST/STX, or both halves of an ld_imm64. The instruction
 * must hold the local value first when `value.validate` says so. A poisoned value, or a load
 * whose width cannot follow the field, poisons the instruction (both slots of an ld_imm64).
 */
export function patchInstruction(
  instructions: Instruction[],
  index: number,
  value: RelocationValue,
): PatchOutcome {
  const insn = instructions[index];
  if (!insn) throw new PatchError(`instruction ${index} is past the end of the program`);
  const poison = (): PatchOutcome => {
    const second = instructions[index + 1];
    if (insn.code === LD_IMM64_CODE && second) poisonInstruction(second);
    poisonInstruction(insn);
    return { poisoned: true };
  };
  if (value.poison) return poison();

  const { original, updated } = value;
  switch (insn.code & 0x07) {
    case CLASS.ALU:
    case CLASS.ALU64: {
      if ((insn.code & 0x08) !== BPF_K)
        throw new PatchError('ALU instruction has a register operand, not an immediate');
      if (value.validate && u64(BigInt(insn.imm)) !== u64(original)) {
        throw new PatchError(`instruction holds immediate ${insn.imm}, expected ${original}`);
      }
      insn.imm = Number(BigInt.asIntN(32, updated));
      return { poisoned: false, site: 'alu imm' };
    }
    case CLASS.LDX:
    case CLASS.ST:
    case CLASS.STX: {
      if (value.validate && u64(BigInt(insn.off)) !== u64(original)) {
        throw new PatchError(`instruction holds offset ${insn.off}, expected ${original}`);
      }
      if (updated > 0x7fffn)
        throw new PatchError(`offset ${updated} does not fit a 16-bit instruction offset`);
      if (value.failMemorySizeAdjust) return poison();
      insn.off = Number(updated);
      if (value.updatedSize === value.originalSize) return { poisoned: false, site: 'mem off' };
      const bytes = SIZE_BYTES[insn.code & 0x18]!;
      if (bytes !== value.originalSize) {
        throw new PatchError(`instruction accesses ${bytes} bytes, expected ${value.originalSize}`);
      }
      const size = BYTES_SIZE[value.updatedSize];
      if (size === undefined)
        throw new PatchError(`field of ${value.updatedSize} bytes cannot be loaded in one access`);
      insn.code = (insn.code & ~0x18) | size;
      return { poisoned: false, site: 'mem off', memorySize: { from: bytes, to: value.updatedSize } };
    }
    case CLASS.LD: {
      const second = instructions[index + 1];
      if (
        insn.code !== LD_IMM64_CODE ||
        insn.src !== 0 ||
        insn.off !== 0 ||
        !second ||
        second.code !== 0 ||
        second.dst !== 0 ||
        second.src !== 0 ||
        second.off !== 0
      ) {
        throw new PatchError('64-bit immediate load has an unexpected form');
      }
      const current = (BigInt(second.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      if (value.validate && current !== u64(original)) {
        throw new PatchError(`instruction holds immediate ${current}, expected ${u64(original)}`);
      }
      const next = u64(updated);
      insn.imm = Number(BigInt.asIntN(32, next));
      second.imm = Number(BigInt.asIntN(32, next >> 32n));
      return { poisoned: false, site: 'ld_imm64' };
    }
    default:
      throw new PatchError(`instruction code 0x${insn.code.toString(16)} cannot carry a relocated value`);
  }
}
