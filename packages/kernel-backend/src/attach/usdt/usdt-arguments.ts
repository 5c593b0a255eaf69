import { NotSupportedError, UsageError } from '@bpfkit/core';

/** enum __bpf_usdt_arg_type (usdt.bpf.h) */
export const UsdtArgType = {
  /** a constant: "-4@$-9" */
  CONST: 0,
  /** a register: "-4@%eax" */
  REG: 1,
  /** memory at a register plus an offset: "-4@-20(%rbp)", "8@(%rsp)" */
  REG_DEREF: 2,
  /** memory at base + index * scale + offset: "1@-96(%rbp,%rax,8)" (libbpf 1.7's usdt.bpf.h) */
  SIB: 3,
} as const;

/** One argument of a probe, as libbpf's struct __bpf_usdt_arg_spec holds it. */
export interface UsdtArgument {
  type: (typeof UsdtArgType)[keyof typeof UsdtArgType];
  /** the constant (CONST) or the memory offset (REG_DEREF, SIB), as the u64 val_off */
  valueOffset: bigint;
  /** offsetof(struct pt_regs, register): the register (REG) or base register (REG_DEREF, SIB) */
  registerOffset: number;
  /** SIB: offsetof(struct pt_regs, index register) */
  indexRegisterOffset: number;
  /** SIB: log2 of the scale (1, 2, 4, 8 -> 0..3) */
  scaleShift: number;
  /** a negative size in the spec: sign-extend the value */
  signed: boolean;
  /** 64 - size * 8: the bits cleared (or sign-filled) to cast a 1, 2 or 4-byte value to 8 bytes */
  bitShift: number;
  /** the text this argument came from, for messages */
  text: string;
}

/** USDT_MAX_ARG_CNT / BPF_USDT_MAX_ARG_CNT: the arguments struct __bpf_usdt_spec has room for. */
export const USDT_MAX_ARGS = 12;

/**
 * offsetof(struct pt_regs, reg) on x86-64 for each name sdt.h may print, 64/32/16/8-bit alike
 * (libbpf's calc_pt_regs_off). The argument's size, not the register name, decides the width.
 */
const X86_64_REGISTERS: ReadonlyMap<string, number> = new Map(
  (
    [
      [['rip', 'eip'], 128],
      [['rax', 'eax', 'ax', 'al'], 80],
      [['rbx', 'ebx', 'bx', 'bl'], 40],
      [['rcx', 'ecx', 'cx', 'cl'], 88],
      [['rdx', 'edx', 'dx', 'dl'], 96],
      [['rsi', 'esi', 'si', 'sil'], 104],
      [['rdi', 'edi', 'di', 'dil'], 112],
      [['rbp', 'ebp', 'bp', 'bpl'], 32],
      [['rsp', 'esp', 'sp', 'spl'], 152],
      [['r8', 'r8d', 'r8w', 'r8b'], 72],
      [['r9', 'r9d', 'r9w', 'r9b'], 64],
      [['r10', 'r10d', 'r10w', 'r10b'], 56],
      [['r11', 'r11d', 'r11w', 'r11b'], 48],
      [['r12', 'r12d', 'r12w', 'r12b'], 24],
      [['r13', 'r13d', 'r13w', 'r13b'], 16],
      [['r14', 'r14d', 'r14w', 'r14b'], 8],
      [['r15', 'r15d', 'r15w', 'r15b'], 0],
    ] as const
  ).flatMap(([names, offset]) => names.map((name) => [name, offset] as const)),
);

const SIZE = /^(-?\d+)@(.+)$/;
const CONSTANT = /^\$(-?\d+)$/;
const REGISTER = /^%([a-z0-9]+)$/;
const DEREF = /^(-?\d+)?\(%([a-z0-9]+)\)$/;
const SIB = /^(-?\d+)?\(%([a-z0-9]+),%([a-z0-9]+)(?:,(\d+))?\)$/;

/**
 * Parses an x86-64 argument string of a USDT note ("-4@$42 -4@%edi -8@-8(%rsp)") into libbpf's
 * argument specs (parse_usdt_spec and the x86 parse_usdt_arg). Arguments are separated by spaces;
 * each is SIZE@LOCATION with a negative size for a signed value. What libbpf cannot read (a
 * symbolic offset such as "8@counter(%rip)", an unknown register, a size other than 1, 2, 4, 8)
 * is a UsageError naming the argument.
 */
export function parseUsdtArguments(args: string, probe = 'the probe'): UsdtArgument[] {
  const texts = args.trim() === '' ? [] : args.trim().split(/\s+/);
  if (texts.length > USDT_MAX_ARGS) {
    throw new NotSupportedError(
      'USDT probes with more than 12 arguments',
      `${probe} has ${texts.length} arguments; usdt.bpf.h has room for ${USDT_MAX_ARGS}`,
    );
  }
  return texts.map((text, index) => parseArgument(text, index, probe));
}

function parseArgument(text: string, index: number, probe: string): UsdtArgument {
  const fail = (problem: string) =>
    new UsageError(`argument #${index} of ${probe} ('${text}') ${problem}`, {
      hint: 'libbpf reads constants, registers and register-relative memory (x86-64 spellings)',
    });
  const sized = SIZE.exec(text);
  if (!sized) throw fail('is not SIZE@LOCATION');
  const size = Number(sized[1]);
  const bytes = Math.abs(size);
  if (![1, 2, 4, 8].includes(bytes)) throw fail(`has size ${bytes}; sizes are 1, 2, 4 or 8 bytes`);
  const location = sized[2]!;
  const register = (name: string) => {
    const offset = X86_64_REGISTERS.get(name);
    if (offset === undefined) throw fail(`names register %${name}, which struct pt_regs has not`);
    return offset;
  };
  const argument = (
    type: UsdtArgument['type'],
    valueOffset: bigint,
    registerOffset = 0,
    indexRegisterOffset = 0,
    scaleShift = 0,
  ): UsdtArgument => ({
    type,
    valueOffset: BigInt.asUintN(64, valueOffset),
    registerOffset,
    indexRegisterOffset,
    scaleShift,
    signed: size < 0,
    bitShift: 64 - bytes * 8,
    text,
  });

  let match = CONSTANT.exec(location);
  if (match) return argument(UsdtArgType.CONST, BigInt(match[1]!));
  match = REGISTER.exec(location);
  if (match) return argument(UsdtArgType.REG, 0n, register(match[1]!));
  match = DEREF.exec(location);
  if (match) return argument(UsdtArgType.REG_DEREF, BigInt(match[1] ?? 0), register(match[2]!));
  match = SIB.exec(location);
  if (match) {
    const scale = Number(match[4] ?? 1);
    const shift = [1, 2, 4, 8].indexOf(scale);
    if (shift < 0) throw fail(`has scale ${scale}; scales are 1, 2, 4 or 8`);
    return argument(UsdtArgType.SIB, BigInt(match[1] ?? 0), register(match[2]!), register(match[3]!), shift);
  }
  throw fail('has a location libbpf cannot read');
}
