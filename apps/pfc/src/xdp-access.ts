import { type ProgramBuilder, R0, R1, R2, R3, R6, R7, R8 } from '@bpfkit/asm';
import type { FieldTest } from './conditions.js';
import { ETH_HLEN, IPV6_HLEN, memorySize, networkToHost, type PacketAccess } from './packet-access.js';

// struct xdp_md: data at 0, data_end at 4; enum xdp_action: XDP_DROP 1, XDP_PASS 2.
const XDP_MD_DATA = 0;
const XDP_MD_DATA_END = 4;
const XDP_DROP = 1;
const XDP_PASS = 2;
const ETHERTYPE_OFFSET = 12;

/**
 * XDP: the packet is an Ethernet frame between xdp_md->data (r7) and data_end (r8). Every load
 * is preceded by the bounds check the verifier wants: `if (ptr + size > data_end) goto fail`.
 * VLAN tags are not skipped (a tagged frame has EtherType 0x8100 and matches no IP primitive).
 */
export const xdpAccess: PacketAccess = {
  section: 'xdp',
  programName: 'pfc_xdp',

  prologue(b) {
    b.mov64Reg(R6, R1).load('u32', R7, R6, XDP_MD_DATA).load('u32', R8, R6, XDP_MD_DATA_END);
  },

  loadEtherType(b, fail) {
    checkedLoad(b, R7, ETHERTYPE_OFFSET, 2, fail);
  },

  loadField(b, test: FieldTest, fail) {
    switch (test.base) {
      case 'l3':
        return checkedLoad(b, R7, ETH_HLEN + test.offset, test.size, fail);
      case 'l4-after-ipv6':
        return checkedLoad(b, R7, ETH_HLEN + IPV6_HLEN + test.offset, test.size, fail);
      case 'l4-after-ipv4':
        // r3 = data + IHL * 4: the verifier tracks the variable part (0..60) of this packet pointer.
        checkedLoad(b, R7, ETH_HLEN, 1, fail);
        b.mov64Reg(R2, R0)
          .alu64Imm('and', R2, 0x0f)
          .alu64Imm('lsh', R2, 2)
          .mov64Reg(R3, R7)
          .alu64Reg('add', R3, R2);
        return checkedLoad(b, R3, ETH_HLEN + test.offset, test.size, fail);
    }
  },

  returnValue(b, verdict) {
    b.mov64Imm(R0, verdict === 'pass' ? XDP_PASS : XDP_DROP);
  },
};

/** r0 = the big-endian field at base + offset, after checking that it lies before data_end. */
function checkedLoad(
  b: ProgramBuilder,
  base: 'r3' | 'r7',
  offset: number,
  size: 1 | 2 | 4,
  fail: string,
): void {
  b.mov64Reg(R1, base)
    .alu64Imm('add', R1, offset + size)
    .jump('jgt', R1, R8, fail)
    .load(memorySize[size], R0, base, offset);
  networkToHost(b, size);
}
