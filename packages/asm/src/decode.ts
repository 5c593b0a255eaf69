import { type Instruction, ProgramDefinitionError } from '@bpfkit/core';
import type { ByteOrder } from './byte-order.js';

/** Size of one `struct bpf_insn` slot. */
export const INSTRUCTION_SIZE = 8;

/**
 * Reads `struct bpf_insn` slots: u8 code, the register byte, s16 off, s32 imm. The register byte is
 * a C bitfield pair `dst_reg:4, src_reg:4`, whose nibble order follows the byte order: dst is the
 * low nibble in little-endian objects and the high nibble in big-endian ones. A 64-bit immediate
 * load stays two slots, so indices keep matching byte offsets / 8.
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
  for (let i = 0, at = 0; i < count; i++, at += INSTRUCTION_SIZE) {
    const regs = bytes[at + 1]!;
    insns[i] = {
      code: bytes[at]!,
      dst: little ? regs & 0x0f : regs >> 4,
      src: little ? regs >> 4 : regs & 0x0f,
      off: view.getInt16(at + 2, little),
      imm: view.getInt32(at + 4, little),
    };
  }
  return insns;
}
