/**
 * One 8-byte eBPF instruction slot, as `struct bpf_insn` lays it out. A 64-bit load
 * (BPF_LD | BPF_IMM | BPF_DW) takes two slots, the second with code 0 and the high half in imm,
 * so that instruction indices stay equal to byte offsets / 8, as ELF relocations, func_info and
 * line_info count them.
 */
export interface Instruction {
  /** opcode: class | size/op | mode/source */
  code: number;
  /** destination register, 0..10 */
  dst: number;
  /** source register, or a pseudo source (map fd, map value, call kinds) */
  src: number;
  /** signed 16-bit offset */
  off: number;
  /** signed 32-bit immediate */
  imm: number;
}

/** BPF_LD | BPF_IMM | BPF_DW: the first slot of a 64-bit immediate load. */
export const LD_IMM64_CODE = 0x18;

export function isLdImm64(insn: Instruction): boolean {
  return insn.code === LD_IMM64_CODE;
}
