import { describe, expect, it } from 'vitest';
import { decodeSlot, encodeInstructions, slotSrcReg } from './instruction-codec.js';

describe('slotSrcReg', () => {
  it('reads the src_reg decodeSlot reads, in either byte order', () => {
    // a pseudo call (src 1) and a register move r3 = r7 (dst 3, src 7)
    const insns = [
      { code: 0x85, dst: 0, src: 1, off: 0, imm: -1 },
      { code: 0xbf, dst: 3, src: 7, off: 0, imm: 0 },
    ];
    for (const order of ['little', 'big'] as const) {
      const bytes = encodeInstructions(insns, order);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const little = order === 'little';
      for (let at = 0; at < bytes.length; at += 8) {
        expect(slotSrcReg(view, at, little)).toBe(decodeSlot(view, at, little).src);
      }
      expect([slotSrcReg(view, 0, little), slotSrcReg(view, 8, little)]).toEqual([1, 7]);
    }
  });
});
