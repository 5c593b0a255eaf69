import { NotSupportedError } from '@bpfkit/core';

// Instruction classes and fields of struct bpf_insn (include/uapi/linux/bpf_common.h, bpf.h).
const CLASS_ALU = 0x04;
const CLASS_JMP = 0x05;
const CLASS_JMP32 = 0x06;
const CLASS_ALU64 = 0x07;
const SOURCE_REG = 0x08;
const MASK64 = (1n << 64n) - 1n;
const MASK32 = (1n << 32n) - 1n;

/**
 * Runs the register-only subset of eBPF (ALU, ALU64, jumps, exit) for the simulated
 * BPF_PROG_TEST_RUN: enough for `r0 = 2; exit` and branchy programs that never touch memory or
 * call helpers. Anything else is NotSupportedError: the simulation never pretends.
 */
export function interpret(instructions: Uint8Array, maxSteps = 1_000_000): bigint {
  const view = new DataView(instructions.buffer, instructions.byteOffset, instructions.byteLength);
  const count = instructions.byteLength / 8;
  const regs = new Array<bigint>(11).fill(0n);
  let pc = 0;
  for (let steps = 0; steps < maxSteps; steps++) {
    if (pc < 0 || pc >= count) throw unsupported(`jump out of range to ${pc}`);
    const at = pc * 8;
    const code = view.getUint8(at);
    const dst = view.getUint8(at + 1) & 0xf;
    const src = view.getUint8(at + 1) >> 4;
    const offset = view.getInt16(at + 2, true);
    const imm = BigInt(view.getInt32(at + 4, true));
    const cls = code & 0x07;
    const op = code & 0xf0;
    const operand = code & SOURCE_REG ? regs[src]! : imm & MASK64;
    if (cls === CLASS_ALU64 || cls === CLASS_ALU) {
      const wide = cls === CLASS_ALU64;
      const a = wide ? regs[dst]! : regs[dst]! & MASK32;
      const b = wide ? operand & MASK64 : operand & MASK32;
      const result = alu(op, a, b, wide, pc);
      regs[dst] = wide ? result & MASK64 : result & MASK32;
      pc++;
      continue;
    }
    if (cls === CLASS_JMP || cls === CLASS_JMP32) {
      if (code === 0x95) return regs[0]!;
      if (op === 0x80) throw unsupported(`helper or function call at insn ${pc}`);
      const wide = cls === CLASS_JMP;
      const a = wide ? regs[dst]! : regs[dst]! & MASK32;
      const b = wide ? operand & MASK64 : operand & MASK32;
      pc += 1 + (jumps(op, a, b, wide, pc) ? (op === 0x00 && cls === CLASS_JMP32 ? Number(imm) : offset) : 0);
      continue;
    }
    throw unsupported(`instruction 0x${code.toString(16)} at insn ${pc} (memory access)`);
  }
  throw unsupported(`more than ${maxSteps} steps`);
}

function alu(op: number, a: bigint, b: bigint, wide: boolean, pc: number): bigint {
  const bits = wide ? 64n : 32n;
  const shift = b & (bits - 1n);
  switch (op) {
    case 0x00:
      return a + b;
    case 0x10:
      return a - b;
    case 0x20:
      return a * b;
    case 0x30:
      return b === 0n ? 0n : a / b;
    case 0x40:
      return a | b;
    case 0x50:
      return a & b;
    case 0x60:
      return a << shift;
    case 0x70:
      return a >> shift;
    case 0x80:
      return -a;
    case 0x90:
      return b === 0n ? a : a % b;
    case 0xa0:
      return a ^ b;
    case 0xb0:
      return b;
    case 0xc0:
      return BigInt.asUintN(wide ? 64 : 32, BigInt.asIntN(wide ? 64 : 32, a) >> shift);
    default:
      throw unsupported(`ALU op 0x${op.toString(16)} at insn ${pc}`);
  }
}

function jumps(op: number, a: bigint, b: bigint, wide: boolean, pc: number): boolean {
  const bits = wide ? 64 : 32;
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case 0x00:
      return true;
    case 0x10:
      return a === b;
    case 0x20:
      return a > b;
    case 0x30:
      return a >= b;
    case 0x40:
      return (a & b) !== 0n;
    case 0x50:
      return a !== b;
    case 0x60:
      return sa > sb;
    case 0x70:
      return sa >= sb;
    case 0xa0:
      return a < b;
    case 0xb0:
      return a <= b;
    case 0xc0:
      return sa < sb;
    case 0xd0:
      return sa <= sb;
    default:
      throw unsupported(`jump op 0x${op.toString(16)} at insn ${pc}`);
  }
}

function unsupported(what: string): NotSupportedError {
  return new NotSupportedError(
    'BPF_PROG_TEST_RUN in the simulated kernel',
    `the simulated kernel cannot run this program: ${what}`,
    { hint: 'run the test against the Linux backend, or give SimulatedKernel a testRun handler' },
  );
}
