// Opcode fields of `struct bpf_insn`, as include/uapi/linux/bpf_common.h and bpf.h define them.
// The opcode byte is class (low 3 bits) | size+mode (loads and stores) or op+source (ALU, JMP).
// Shared by the decoder, encoder, disassembler and builder.

/** Instruction class: the low 3 bits of the opcode (BPF_CLASS). */
export const InsnClass = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Access size of loads and stores (BPF_SIZE, bits 3-4). */
export const Size = {
  W: 0x00,
  H: 0x08,
  B: 0x10,
  DW: 0x18,
} as const;

/** Addressing mode of loads and stores (BPF_MODE, bits 5-7). */
export const Mode = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;

/** Operand source of ALU and JMP instructions (BPF_SRC, bit 3): imm (K) or src register (X). */
export const Source = {
  K: 0x00,
  X: 0x08,
} as const;

/** ALU operation (BPF_OP, bits 4-7) of the ALU and ALU64 classes. */
export const AluOp = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  /** off = 1 makes it signed (SDIV, cpu v4) */
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  /** off = 1 makes it signed (SMOD, cpu v4) */
  MOD: 0x90,
  XOR: 0xa0,
  /** with src X, off = 8/16/32 is MOVSX (cpu v4); ALU64 off = 1 is addr_space_cast */
  MOV: 0xb0,
  ARSH: 0xc0,
  /** byte swap: ALU class to_le (K) / to_be (X); ALU64 class K is unconditional BSWAP (cpu v4) */
  END: 0xd0,
} as const;

/** BPF_END source bit: BPF_TO_LE shares K's value, BPF_TO_BE shares X's. */
export const Endian = {
  TO_LE: 0x00,
  TO_BE: 0x08,
} as const;

/** Jump operation (BPF_OP) of the JMP and JMP32 classes. */
export const JmpOp = {
  /** JMP: off is the target; JMP32 JA ("gotol", cpu v4): imm is the target */
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  /** src 0 helper, 1 bpf-to-bpf (PseudoCall.CALL), 2 kfunc; with src X, callx through dst */
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  /** BPF_JCOND: with src 0 it is may_goto */
  JCOND: 0xe0,
} as const;

/** imm of BPF_STX | BPF_ATOMIC: the operation, FETCH to return the old value. */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  FETCH: 0x01,
  /** exchange, always fetches */
  XCHG: 0xe0 | 0x01,
  /** compare r0 with memory and exchange, always fetches into r0 */
  CMPXCHG: 0xf0 | 0x01,
  /** load-acquire (kernel 6.15): dst = *(src + off) */
  LOAD_ACQ: 0x100,
  /** store-release (kernel 6.15): *(dst + off) = src */
  STORE_REL: 0x110,
} as const;

export function classOf(code: number): number {
  return code & 0x07;
}

export function sizeOf(code: number): number {
  return code & 0x18;
}

export function modeOf(code: number): number {
  return code & 0xe0;
}

export function opOf(code: number): number {
  return code & 0xf0;
}

export function sourceOf(code: number): number {
  return code & 0x08;
}

/** Bytes accessed by a load or store of this BPF_SIZE. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    default:
      return 8;
  }
}

/** True for the classes whose op field is a jump (JMP, JMP32). */
export function isJumpClass(cls: number): boolean {
  return cls === InsnClass.JMP || cls === InsnClass.JMP32;
}

/** True for the classes whose op field is arithmetic (ALU, ALU64). */
export function isAluClass(cls: number): boolean {
  return cls === InsnClass.ALU || cls === InsnClass.ALU64;
}
