import type { Instruction } from '@bpfkit/core';
import {
  AluOp,
  AtomicOp,
  classOf,
  InsnClass,
  JmpOp,
  Mode,
  modeOf,
  opOf,
  Size,
  Source,
  sizeBytes,
  sizeOf,
  sourceOf,
} from './opcodes.js';

/** Options of formatInstruction and disassemble. */
export interface DisassembleOptions {
  /**
   * Print 8/16/32-bit loads, stores and atomics with w registers, as `llvm-objdump -d --mcpu=v3`
   * (or v4, or --mattr=+alu32) does. Off by default, like plain `llvm-objdump -d`.
   */
  alu32?: boolean;
  /** Names for jump targets; with them a jump ends in ` <name+0xoff>` as llvm-objdump prints it. */
  symbols?: readonly SymbolLabel[];
  /** Name for targets before the first symbol (llvm-objdump uses the section's name). */
  section?: string;
}

/** A name at an instruction index: a function symbol, or any label. */
export interface SymbolLabel {
  name: string;
  instruction: number;
}

/** What llvm-objdump prints for an encoding it cannot decode. */
export const UNKNOWN_INSTRUCTION = '<unknown>';

/**
 * The text llvm-objdump-19 prints for the instruction at `index` (after the hex bytes), in the
 * BPF "C-like" assembly dialect. A 64-bit immediate load reads its second slot from
 * `insns[index + 1]`. Encodings LLVM cannot decode give '<unknown>'.
 */
export function formatInstruction(
  insns: readonly Instruction[],
  index: number,
  options: DisassembleOptions = {},
): string {
  return createFormatter(options)(insns, index);
}

type Formatter = (insns: readonly Instruction[], index: number) => string;

/** Builds the formatter once per listing, so the symbol table is sorted once. */
export function createFormatter(options: DisassembleOptions): Formatter {
  const alu32 = options.alu32 ?? false;
  const targetName = createTargetNamer(options);
  const format: Formatter = (insns, index) => {
    const insn = insns[index];
    if (insn === undefined) return UNKNOWN_INSTRUCTION;
    switch (classOf(insn.code)) {
      case InsnClass.LD:
        return formatLd(insn, insns[index + 1]);
      case InsnClass.LDX:
        return formatLdx(insn, alu32);
      case InsnClass.ST:
        return formatSt(insn);
      case InsnClass.STX:
        return formatStx(insn, alu32);
      case InsnClass.ALU:
      case InsnClass.ALU64:
        return formatAlu(insn);
      default:
        return formatJmp(insn, index, targetName);
    }
  };
  return (insns, index) => {
    try {
      return format(insns, index);
    } catch (error) {
      if (error instanceof NoSuchRegister) return UNKNOWN_INSTRUCTION;
      throw error;
    }
  };
}

/** Signed hex as LLVM prints immediates and offsets: 0x4, -0x4. */
function hex(value: number | bigint): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/** A jump distance in slots: +0x3, -0x1. */
function relative(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `+0x${value.toString(16)}`;
}

/** `r1 + 0x4`, `r10 - 0x8`: LLVM's memory operand. */
function address(base: number, off: number): string {
  const r = register(base, false);
  return off < 0 ? `${r} - 0x${(-off).toString(16)}` : `${r} + 0x${off.toString(16)}`;
}

function bits(size: number): number {
  return sizeBytes(size) * 8;
}

function formatLd(insn: Instruction, next: Instruction | undefined): string {
  const mode = modeOf(insn.code);
  const size = sizeOf(insn.code);
  if (mode === Mode.IMM && size === Size.DW) {
    if (next === undefined || insn.off !== 0) return UNKNOWN_INSTRUCTION;
    // With a pseudo source (map fd, map value, BTF id, func) LLVM prints the raw operands.
    if (insn.src !== 0) {
      return `ld_pseudo\t${register(insn.dst, false)}, ${hex(insn.src)}, 0x${(insn.imm >>> 0).toString(16)}`;
    }
    const value = BigInt.asIntN(64, (BigInt(next.imm) << 32n) | BigInt(insn.imm >>> 0));
    return `${register(insn.dst, false)} = ${hex(value)} ll`;
  }
  if (size === Size.DW) return UNKNOWN_INSTRUCTION;
  // Legacy packet loads (cBPF heritage): the result is always r0, r6 holds the skb implicitly.
  if (mode === Mode.ABS) return `r0 = *(u${bits(size)} *)skb[${hex(insn.imm)}]`;
  if (mode === Mode.IND) return `r0 = *(u${bits(size)} *)skb[${register(insn.src, false)}]`;
  return UNKNOWN_INSTRUCTION;
}

function formatLdx(insn: Instruction, alu32: boolean): string {
  const size = sizeOf(insn.code);
  const mode = modeOf(insn.code);
  const from = `(${address(insn.src, insn.off)})`;
  if (mode === Mode.MEM) {
    return `${register(insn.dst, alu32 && size !== Size.DW)} = *(u${bits(size)} *)${from}`;
  }
  if (mode === Mode.MEMSX && size !== Size.DW) {
    return `${register(insn.dst, false)} = *(s${bits(size)} *)${from}`;
  }
  return UNKNOWN_INSTRUCTION;
}

function formatSt(insn: Instruction): string {
  if (modeOf(insn.code) !== Mode.MEM) return UNKNOWN_INSTRUCTION;
  return `*(u${bits(sizeOf(insn.code))} *)(${address(insn.dst, insn.off)}) = ${hex(insn.imm)}`;
}

function formatStx(insn: Instruction, alu32: boolean): string {
  const size = sizeOf(insn.code);
  const mode = modeOf(insn.code);
  if (mode === Mode.MEM) {
    const value = register(insn.src, alu32 && size !== Size.DW);
    return `*(u${bits(size)} *)(${address(insn.dst, insn.off)}) = ${value}`;
  }
  if (mode === Mode.ATOMIC) return formatAtomic(insn, size, alu32);
  return UNKNOWN_INSTRUCTION;
}

const atomicOperators: ReadonlyMap<number, { symbol: string; name: string }> = new Map([
  [AtomicOp.ADD, { symbol: '+=', name: 'add' }],
  [AtomicOp.OR, { symbol: '|=', name: 'or' }],
  [AtomicOp.AND, { symbol: '&=', name: 'and' }],
  [AtomicOp.XOR, { symbol: '^=', name: 'xor' }],
]);

function formatAtomic(insn: Instruction, size: number, alu32: boolean): string {
  const width = bits(size);
  const narrow = size !== Size.DW;
  const pointer = `(u${width} *)(${address(insn.dst, insn.off)})`;
  if (insn.imm === AtomicOp.LOAD_ACQ) {
    return `${register(insn.dst, narrow)} = load_acquire((u${width} *)(${address(insn.src, insn.off)}))`;
  }
  if (insn.imm === AtomicOp.STORE_REL) return `store_release(${pointer}, ${register(insn.src, narrow)})`;
  // Read-modify-write atomics exist for 32 and 64 bits only.
  if (size !== Size.W && size !== Size.DW) return UNKNOWN_INSTRUCTION;
  const arithmetic = atomicOperators.get(insn.imm & ~AtomicOp.FETCH);
  if (arithmetic !== undefined) {
    const fetch = (insn.imm & AtomicOp.FETCH) !== 0;
    // Without alu32, LLVM knows the 32-bit atomic add only as the old XADDW with an r register.
    const value = register(insn.src, narrow && (alu32 || fetch || insn.imm !== AtomicOp.ADD));
    if (!fetch) return `lock *${pointer} ${arithmetic.symbol} ${value}`;
    return `${value} = atomic_fetch_${arithmetic.name}(${pointer}, ${value})`;
  }
  const suffix = narrow ? '32_32' : '_64';
  const value = register(insn.src, narrow);
  if (insn.imm === AtomicOp.XCHG) {
    return `${value} = xchg${suffix}(${address(insn.dst, insn.off)}, ${value})`;
  }
  if (insn.imm === AtomicOp.CMPXCHG) {
    const r0 = register(0, narrow);
    return `${r0} = cmpxchg${suffix}(${address(insn.dst, insn.off)}, ${r0}, ${value})`;
  }
  return UNKNOWN_INSTRUCTION;
}

/** Thrown by register() and turned into '<unknown>' by the formatter. */
class NoSuchRegister {}

/** LLVM's register file is r0..r11 (r11 is internal); a nibble of 12..15 makes it '<unknown>'. */
function register(number: number, narrow: boolean): string {
  if (number > 11) throw new NoSuchRegister();
  return `${narrow ? 'w' : 'r'}${number}`;
}

const aluOperators: ReadonlyMap<number, string> = new Map([
  [AluOp.ADD, '+='],
  [AluOp.SUB, '-='],
  [AluOp.MUL, '*='],
  [AluOp.DIV, '/='],
  [AluOp.OR, '|='],
  [AluOp.AND, '&='],
  [AluOp.LSH, '<<='],
  [AluOp.RSH, '>>='],
  [AluOp.MOD, '%='],
  [AluOp.XOR, '^='],
  [AluOp.ARSH, 's>>='],
]);

function formatAlu(insn: Instruction): string {
  const is64 = classOf(insn.code) === InsnClass.ALU64;
  const op = opOf(insn.code);
  const byRegister = sourceOf(insn.code) === Source.X;
  const dst = register(insn.dst, !is64);
  // Only X forms read src: a K form with a stray src nibble still decodes, as in LLVM.
  const src = (): string => register(insn.src, !is64);
  switch (op) {
    case AluOp.NEG:
      return byRegister ? UNKNOWN_INSTRUCTION : `${dst} = -${dst}`;
    case AluOp.END:
      return formatEndian(insn, is64, byRegister);
    case AluOp.MOV:
      if (!byRegister) return insn.off === 0 ? `${dst} = ${hex(insn.imm)}` : UNKNOWN_INSTRUCTION;
      if (insn.off === 0) return `${dst} = ${src()}`;
      if (insn.off === 8 || insn.off === 16 || (is64 && insn.off === 32))
        return `${dst} = (s${insn.off})${src()}`;
      // BPF_ADDR_SPACE_CAST (arena pointers): imm = dst address space << 16 | src address space.
      if (is64 && insn.off === 1) {
        return `${dst} = addr_space_cast(${src()}, ${hex(insn.imm >>> 16)}, ${hex(insn.imm & 0xffff)})`;
      }
      return UNKNOWN_INSTRUCTION;
  }
  const symbol = aluOperators.get(op);
  if (symbol === undefined) return UNKNOWN_INSTRUCTION;
  // off = 1 selects the signed division and modulo of cpu v4; every other op wants off = 0.
  const signed = insn.off === 1 && (op === AluOp.DIV || op === AluOp.MOD);
  if (insn.off !== 0 && !signed) return UNKNOWN_INSTRUCTION;
  return `${dst} ${signed ? 's' : ''}${symbol} ${byRegister ? src() : hex(insn.imm)}`;
}

function formatEndian(insn: Instruction, is64: boolean, sourceBit: boolean): string {
  if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) return UNKNOWN_INSTRUCTION;
  // ALU class: the source bit picks to_le / to_be. ALU64 class: BSWAP, with the bit clear only.
  let name: string;
  if (is64) {
    if (sourceBit) return UNKNOWN_INSTRUCTION;
    name = 'bswap';
  } else {
    name = sourceBit ? 'be' : 'le';
  }
  const dst = register(insn.dst, false);
  return `${dst} = ${name}${insn.imm} ${dst}`;
}

const jumpConditions: ReadonlyMap<number, string> = new Map([
  [JmpOp.JEQ, '=='],
  [JmpOp.JGT, '>'],
  [JmpOp.JGE, '>='],
  [JmpOp.JSET, '&'],
  [JmpOp.JNE, '!='],
  [JmpOp.JSGT, 's>'],
  [JmpOp.JSGE, 's>='],
  [JmpOp.JLT, '<'],
  [JmpOp.JLE, '<='],
  [JmpOp.JSLT, 's<'],
  [JmpOp.JSLE, 's<='],
]);

type TargetNamer = (target: number) => string;

function formatJmp(insn: Instruction, index: number, targetName: TargetNamer): string {
  const is32 = classOf(insn.code) === InsnClass.JMP32;
  const op = opOf(insn.code);
  const byRegister = sourceOf(insn.code) === Source.X;
  const jumpTo = (distance: number): string => `${relative(distance)}${targetName(index + 1 + distance)}`;
  switch (op) {
    case JmpOp.JA:
      if (byRegister) return UNKNOWN_INSTRUCTION;
      // JMP32 JA ("gotol", cpu v4) carries its distance in imm, for jumps beyond s16.
      return is32 ? `gotol ${jumpTo(insn.imm)}` : `goto ${jumpTo(insn.off)}`;
    case JmpOp.CALL:
      if (is32) return UNKNOWN_INSTRUCTION;
      return byRegister ? `callx ${register(insn.dst, false)}` : `call ${hex(insn.imm)}`;
    case JmpOp.EXIT:
      return !is32 && !byRegister && insn.imm === 0 ? 'exit' : UNKNOWN_INSTRUCTION;
    case JmpOp.JCOND:
      return !is32 && !byRegister ? `may_goto ${jumpTo(insn.off)}` : UNKNOWN_INSTRUCTION;
  }
  const condition = jumpConditions.get(op);
  if (condition === undefined) return UNKNOWN_INSTRUCTION;
  const left = register(insn.dst, is32);
  const right = byRegister ? register(insn.src, is32) : hex(insn.imm);
  return `if ${left} ${condition} ${right} goto ${jumpTo(insn.off)}`;
}

/** ` <sym+0x18>` for a target instruction index, as llvm-objdump annotates branches. */
function createTargetNamer(options: DisassembleOptions): TargetNamer {
  const symbols = [...(options.symbols ?? [])].sort((a, b) => a.instruction - b.instruction);
  const section = options.section;
  if (symbols.length === 0 && section === undefined) return () => '';
  return (target) => {
    const symbol = lastAtOrBefore(symbols, target);
    if (symbol !== undefined) {
      const bytes = (target - symbol.instruction) * 8;
      return bytes === 0 ? ` <${symbol.name}>` : ` <${symbol.name}+0x${bytes.toString(16)}>`;
    }
    if (section === undefined) return '';
    if (target === 0) return ` <${section}>`;
    // llvm-objdump prints a target before the section start as an unsigned 64-bit offset.
    return ` <${section}+0x${BigInt.asUintN(64, BigInt(target * 8)).toString(16)}>`;
  };
}

function lastAtOrBefore(sorted: readonly SymbolLabel[], target: number): SymbolLabel | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.instruction <= target) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : sorted[low - 1];
}
