import {
  type Instruction,
  LD_IMM64_CODE,
  ProgramDefinitionError,
  type ProgramRelocation,
  PseudoCall,
} from '@bpfkit/core';
import type { SymbolLabel } from './format.js';
import { BpfHelper, type BpfHelperName } from './helpers.js';
import { AluOp, AtomicOp, Endian, InsnClass, JmpOp, Mode, Size, Source } from './opcodes.js';
import { type Register, registerNumber } from './registers.js';

export type AluOperation =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'sdiv'
  | 'or'
  | 'and'
  | 'lsh'
  | 'rsh'
  | 'mod'
  | 'smod'
  | 'xor'
  | 'arsh'
  | 'mov';

export type JumpCondition =
  | 'jeq'
  | 'jgt'
  | 'jge'
  | 'jset'
  | 'jne'
  | 'jsgt'
  | 'jsge'
  | 'jlt'
  | 'jle'
  | 'jslt'
  | 'jsle';

/** Width of a memory access, named as the disassembly prints it. */
export type MemorySize = 'u8' | 'u16' | 'u32' | 'u64';

export type AtomicOperation =
  | 'add'
  | 'or'
  | 'and'
  | 'xor'
  | 'fetch_add'
  | 'fetch_or'
  | 'fetch_and'
  | 'fetch_xor'
  | 'xchg'
  | 'cmpxchg';

/** What build() returns: plain data, ready for a ProgramSpec. */
export interface BuiltProgram {
  instructions: Instruction[];
  /** symbolic references, resolved by the relocator at load */
  relocations: ProgramRelocation[];
  /** every label with the instruction it marks, e.g. for disassembleProgram's `symbols` */
  labels: SymbolLabel[];
}

// [op, off]: the signed forms of div and mod are the same op with off = 1 (cpu v4).
const aluOps: Readonly<Record<AluOperation, readonly [number, number]>> = {
  add: [AluOp.ADD, 0],
  sub: [AluOp.SUB, 0],
  mul: [AluOp.MUL, 0],
  div: [AluOp.DIV, 0],
  sdiv: [AluOp.DIV, 1],
  or: [AluOp.OR, 0],
  and: [AluOp.AND, 0],
  lsh: [AluOp.LSH, 0],
  rsh: [AluOp.RSH, 0],
  mod: [AluOp.MOD, 0],
  smod: [AluOp.MOD, 1],
  xor: [AluOp.XOR, 0],
  arsh: [AluOp.ARSH, 0],
  mov: [AluOp.MOV, 0],
};

const jumpOps: Readonly<Record<JumpCondition, number>> = {
  jeq: JmpOp.JEQ,
  jgt: JmpOp.JGT,
  jge: JmpOp.JGE,
  jset: JmpOp.JSET,
  jne: JmpOp.JNE,
  jsgt: JmpOp.JSGT,
  jsge: JmpOp.JSGE,
  jlt: JmpOp.JLT,
  jle: JmpOp.JLE,
  jslt: JmpOp.JSLT,
  jsle: JmpOp.JSLE,
};

const sizes: Readonly<Record<MemorySize, number>> = { u8: Size.B, u16: Size.H, u32: Size.W, u64: Size.DW };

const atomicOps: Readonly<Record<AtomicOperation, number>> = {
  add: AtomicOp.ADD,
  or: AtomicOp.OR,
  and: AtomicOp.AND,
  xor: AtomicOp.XOR,
  fetch_add: AtomicOp.ADD | AtomicOp.FETCH,
  fetch_or: AtomicOp.OR | AtomicOp.FETCH,
  fetch_and: AtomicOp.AND | AtomicOp.FETCH,
  fetch_xor: AtomicOp.XOR | AtomicOp.FETCH,
  xchg: AtomicOp.XCHG,
  cmpxchg: AtomicOp.CMPXCHG,
};

interface PendingJump {
  instruction: number;
  label: string;
  /** gotol keeps its distance in imm, every other jump in off */
  field: 'off' | 'imm';
}

/**
 * Writes a program instruction by instruction, with labels for jumps and symbolic references for
 * maps and functions, the way an ELF object would describe them (ld_imm64 with imm 0 plus a
 * relocation). Every method returns the builder, so calls chain.
 */
export class ProgramBuilder {
  private readonly insns: Instruction[] = [];
  private readonly relocations: ProgramRelocation[] = [];
  private readonly labels = new Map<string, number>();
  private readonly jumps: PendingJump[] = [];

  /** Slots written so far: the index the next instruction gets. */
  get length(): number {
    return this.insns.length;
  }

  /** Appends instructions as they are (no checks until encode). */
  raw(...insns: Instruction[]): this {
    for (const insn of insns) this.insns.push({ ...insn });
    return this;
  }

  /** Names the next instruction, as a jump target. */
  label(name: string): this {
    const existing = this.labels.get(name);
    if (existing !== undefined) {
      throw new ProgramDefinitionError(`label "${name}" is defined twice`, {
        location: { symbol: name, instruction: this.insns.length },
        hint: `it already marks instruction ${existing}`,
      });
    }
    this.labels.set(name, this.insns.length);
    return this;
  }

  mov64Imm(dst: Register, imm: number): this {
    return this.alu64Imm('mov', dst, imm);
  }

  mov64Reg(dst: Register, src: Register): this {
    return this.alu64Reg('mov', dst, src);
  }

  mov32Imm(dst: Register, imm: number): this {
    return this.alu32Imm('mov', dst, imm);
  }

  mov32Reg(dst: Register, src: Register): this {
    return this.alu32Reg('mov', dst, src);
  }

  /** dst = (s8/s16/s32)src, sign-extended to 64 bits (MOVSX, cpu v4). */
  movSx64(dst: Register, src: Register, bits: 8 | 16 | 32): this {
    return this.push(InsnClass.ALU64 | AluOp.MOV | Source.X, dst, src, bits, 0);
  }

  /** w dst = (s8/s16)w src (MOVSX, cpu v4). */
  movSx32(dst: Register, src: Register, bits: 8 | 16): this {
    return this.push(InsnClass.ALU | AluOp.MOV | Source.X, dst, src, bits, 0);
  }

  alu64Imm(op: AluOperation, dst: Register, imm: number): this {
    return this.alu(InsnClass.ALU64, op, dst, undefined, imm);
  }

  alu64Reg(op: AluOperation, dst: Register, src: Register): this {
    return this.alu(InsnClass.ALU64, op, dst, src, 0);
  }

  alu32Imm(op: AluOperation, dst: Register, imm: number): this {
    return this.alu(InsnClass.ALU, op, dst, undefined, imm);
  }

  alu32Reg(op: AluOperation, dst: Register, src: Register): this {
    return this.alu(InsnClass.ALU, op, dst, src, 0);
  }

  neg64(dst: Register): this {
    return this.push(InsnClass.ALU64 | AluOp.NEG, dst, undefined, 0, 0);
  }

  neg32(dst: Register): this {
    return this.push(InsnClass.ALU | AluOp.NEG, dst, undefined, 0, 0);
  }

  /** dst = htobe16/32/64(dst): to big-endian (a swap on little-endian machines). */
  toBigEndian(dst: Register, bits: 16 | 32 | 64): this {
    return this.push(InsnClass.ALU | AluOp.END | Endian.TO_BE, dst, undefined, 0, bits);
  }

  /** dst = htole16/32/64(dst): to little-endian (truncation only, on little-endian machines). */
  toLittleEndian(dst: Register, bits: 16 | 32 | 64): this {
    return this.push(InsnClass.ALU | AluOp.END | Endian.TO_LE, dst, undefined, 0, bits);
  }

  /** Unconditional byte swap (BSWAP, cpu v4). */
  byteSwap(dst: Register, bits: 16 | 32 | 64): this {
    return this.push(InsnClass.ALU64 | AluOp.END, dst, undefined, 0, bits);
  }

  /** dst = *(size *)(src + off) */
  load(size: MemorySize, dst: Register, src: Register, off: number): this {
    return this.push(InsnClass.LDX | Mode.MEM | sizes[size], dst, src, off, 0);
  }

  /** dst = *(s8/s16/s32 *)(src + off), sign-extended (MEMSX, cpu v4). */
  loadSigned(size: Exclude<MemorySize, 'u64'>, dst: Register, src: Register, off: number): this {
    return this.push(InsnClass.LDX | Mode.MEMSX | sizes[size], dst, src, off, 0);
  }

  /** *(size *)(dst + off) = src */
  store(size: MemorySize, dst: Register, off: number, src: Register): this {
    return this.push(InsnClass.STX | Mode.MEM | sizes[size], dst, src, off, 0);
  }

  /** *(size *)(dst + off) = imm */
  storeImm(size: MemorySize, dst: Register, off: number, imm: number): this {
    return this.push(InsnClass.ST | Mode.MEM | sizes[size], dst, undefined, off, imm);
  }

  /**
   * Atomic read-modify-write of *(size *)(dst + off) with src. The fetch forms, xchg and cmpxchg
   * put the old value in src (cmpxchg: in r0, compared against r0).
   */
  atomic(op: AtomicOperation, size: 'u32' | 'u64', dst: Register, off: number, src: Register): this {
    return this.push(InsnClass.STX | Mode.ATOMIC | sizes[size], dst, src, off, atomicOps[op]);
  }

  /** dst = load_acquire((size *)(src + off)) (kernel 6.15). */
  loadAcquire(size: MemorySize, dst: Register, src: Register, off: number): this {
    return this.push(InsnClass.STX | Mode.ATOMIC | sizes[size], dst, src, off, AtomicOp.LOAD_ACQ);
  }

  /** store_release((size *)(dst + off), src) (kernel 6.15). */
  storeRelease(size: MemorySize, dst: Register, off: number, src: Register): this {
    return this.push(InsnClass.STX | Mode.ATOMIC | sizes[size], dst, src, off, AtomicOp.STORE_REL);
  }

  /** r0 = *(size *)skb[imm] in network byte order: the legacy packet load of socket filters. */
  loadPacketAbsolute(size: Exclude<MemorySize, 'u64'>, imm: number): this {
    return this.push(InsnClass.LD | Mode.ABS | sizes[size], 'r0', undefined, 0, imm);
  }

  /** r0 = *(size *)skb[src + imm]: the legacy indirect packet load. */
  loadPacketIndirect(size: Exclude<MemorySize, 'u64'>, src: Register, imm: number): this {
    return this.push(InsnClass.LD | Mode.IND | sizes[size], 'r0', src, 0, imm);
  }

  /** dst = a 64-bit constant (two slots). Accepts signed and unsigned 64-bit values. */
  ldImm64(dst: Register, value: bigint): this {
    if (value < -(1n << 63n) || value >= 1n << 64n) {
      throw this.error(`ldImm64 value ${value} does not fit in 64 bits`, 'imm');
    }
    const bits = BigInt.asUintN(64, value);
    const low = Number(BigInt.asIntN(32, bits));
    const high = Number(BigInt.asIntN(32, bits >> 32n));
    return this.ldImm64Slots(dst, 0, low, high);
  }

  /** dst = the map (its fd, once the relocator has created it). */
  ldMapFd(dst: Register, map: string): this {
    this.relocations.push({ kind: 'map-fd', instruction: this.insns.length, map });
    return this.ldImm64Slots(dst, 0, 0, 0);
  }

  /** dst = the address of byte `offset` of the map's value (global data: .data, .bss, .rodata). */
  ldMapValue(dst: Register, map: string, offset = 0): this {
    this.relocations.push({ kind: 'map-value', instruction: this.insns.length, map, offset });
    return this.ldImm64Slots(dst, 0, 0, 0);
  }

  /** dst = the address of a function, for callbacks such as bpf_loop (BPF_PSEUDO_FUNC). */
  ldFunction(dst: Register, name: string): this {
    this.relocations.push({ kind: 'func-pointer', instruction: this.insns.length, function: name });
    return this.ldImm64Slots(dst, 0, 0, 0);
  }

  /** Calls a helper by id or name: `call(1)`, `call('map_lookup_elem')`. */
  call(helper: number | BpfHelperName): this {
    const id = typeof helper === 'number' ? helper : BpfHelper[helper];
    return this.push(InsnClass.JMP | JmpOp.CALL, 'r0', undefined, 0, id);
  }

  /** bpf-to-bpf call of another function of the program; imm stays -1 until the relocator links it. */
  callFunction(name: string): this {
    this.relocations.push({ kind: 'call', instruction: this.insns.length, function: name });
    return this.pushRaw(InsnClass.JMP | JmpOp.CALL, 0, PseudoCall.CALL, 0, -1);
  }

  /** Calls a kernel function (kfunc); its BTF id is filled in at load from the extern relocation. */
  callKfunc(name: string): this {
    this.relocations.push({ kind: 'extern', instruction: this.insns.length, name, offset: 0 });
    return this.pushRaw(InsnClass.JMP | JmpOp.CALL, 0, PseudoCall.KFUNC_CALL, 0, 0);
  }

  /** if dst <cond> (imm | src) goto label, comparing 64-bit registers. */
  jump(condition: JumpCondition, dst: Register, operand: number | Register, label: string): this {
    return this.conditional(InsnClass.JMP, condition, dst, operand, label);
  }

  /** if w dst <cond> (imm | w src) goto label, comparing the low 32 bits. */
  jump32(condition: JumpCondition, dst: Register, operand: number | Register, label: string): this {
    return this.conditional(InsnClass.JMP32, condition, dst, operand, label);
  }

  goto(label: string): this {
    this.jumps.push({ instruction: this.insns.length, label, field: 'off' });
    return this.pushRaw(InsnClass.JMP | JmpOp.JA, 0, 0, 0, 0);
  }

  /** gotol: a jump whose distance is a 32-bit imm, for targets beyond ±32767 slots (cpu v4). */
  gotoLong(label: string): this {
    this.jumps.push({ instruction: this.insns.length, label, field: 'imm' });
    return this.pushRaw(InsnClass.JMP32 | JmpOp.JA, 0, 0, 0, 0);
  }

  exit(): this {
    return this.pushRaw(InsnClass.JMP | JmpOp.EXIT, 0, 0, 0, 0);
  }

  /** Resolves labels into relative jumps and returns copies, so the builder can go on. */
  build(): BuiltProgram {
    const instructions = this.insns.map((insn) => ({ ...insn }));
    for (const jump of this.jumps) {
      const target = this.labels.get(jump.label);
      const location = { instruction: jump.instruction, symbol: jump.label };
      if (target === undefined) {
        throw new ProgramDefinitionError(`jump to unknown label "${jump.label}"`, {
          location,
          hint: `defined labels: ${[...this.labels.keys()].join(', ') || 'none'}`,
        });
      }
      if (target >= instructions.length) {
        throw new ProgramDefinitionError(`label "${jump.label}" marks no instruction (it is at the end)`, {
          location,
          hint: 'add the instructions the label should name, e.g. exit()',
        });
      }
      const distance = target - (jump.instruction + 1);
      if (jump.field === 'off' && (distance < -0x8000 || distance > 0x7fff)) {
        throw new ProgramDefinitionError(
          `jump to "${jump.label}" spans ${distance} instructions, beyond the signed 16-bit offset`,
          { location, hint: 'use gotoLong() (gotol, 32-bit distance) to reach it' },
        );
      }
      instructions[jump.instruction]![jump.field] = distance;
    }
    const labels = [...this.labels].map(([name, instruction]) => ({ name, instruction }));
    return { instructions, relocations: this.relocations.map((r) => ({ ...r })), labels };
  }

  private alu(cls: number, op: AluOperation, dst: Register, src: Register | undefined, imm: number): this {
    const [code, off] = aluOps[op];
    const source = src === undefined ? Source.K : Source.X;
    return this.push(cls | code | source, dst, src, off, imm);
  }

  private conditional(
    cls: number,
    condition: JumpCondition,
    dst: Register,
    operand: number | Register,
    label: string,
  ): this {
    this.jumps.push({ instruction: this.insns.length, label, field: 'off' });
    const code = cls | jumpOps[condition];
    return typeof operand === 'number'
      ? this.push(code | Source.K, dst, undefined, 0, operand)
      : this.push(code | Source.X, dst, operand, 0, 0);
  }

  private ldImm64Slots(dst: Register, src: number, low: number, high: number): this {
    this.pushRaw(LD_IMM64_CODE, registerNumber(dst), src, 0, low);
    return this.pushRaw(0, 0, 0, 0, high);
  }

  private push(code: number, dst: Register, src: Register | undefined, off: number, imm: number): this {
    if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) {
      throw this.error(`offset ${off} is not a signed 16-bit integer`, 'off');
    }
    if (!Number.isInteger(imm) || imm < -0x80000000 || imm > 0xffffffff) {
      throw this.error(`immediate ${imm} does not fit in 32 bits`, 'imm');
    }
    // Unsigned 32-bit immediates are accepted and stored as the same bits, signed.
    return this.pushRaw(code, registerNumber(dst), src === undefined ? 0 : registerNumber(src), off, imm | 0);
  }

  private pushRaw(code: number, dst: number, src: number, off: number, imm: number): this {
    this.insns.push({ code, dst, src, off, imm });
    return this;
  }

  private error(message: string, field: string): ProgramDefinitionError {
    return new ProgramDefinitionError(message, { location: { instruction: this.insns.length, field } });
  }
}
