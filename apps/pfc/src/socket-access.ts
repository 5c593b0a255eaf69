import { type ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R10 } from '@bpfkit/asm';
import type { FieldTest } from './conditions.js';
import { IPV6_HLEN, memorySize, networkToHost, type PacketAccess } from './packet-access.js';

// struct __sk_buff: len at 0, protocol (a __be16 in a u32) at 16. BPF_HDR_START_NET = 1.
const SKB_LEN = 0;
const SKB_PROTOCOL = 16;
const BPF_HDR_START_NET = 1;
const SCRATCH = -8; // stack bytes the helper copies a field into

/**
 * Socket filter: where skb->data points depends on the socket (the transport header on a UDP
 * socket, the MAC header on AF_PACKET), so fields are read relative to the network header with
 * bpf_skb_load_bytes_relative(BPF_HDR_START_NET), and the EtherType comes from skb->protocol.
 * That makes one program correct on any socket it is attached to.
 */
export const socketAccess: PacketAccess = {
  section: 'socket',
  programName: 'pfc_socket',

  prologue(b) {
    b.mov64Reg(R6, R1);
  },

  loadEtherType(b) {
    b.load('u32', R0, R6, SKB_PROTOCOL);
    networkToHost(b, 2);
  },

  loadField(b, test: FieldTest, fail) {
    switch (test.base) {
      case 'l3':
        b.mov64Imm(R2, test.offset);
        break;
      case 'l4-after-ipv6':
        b.mov64Imm(R2, IPV6_HLEN + test.offset);
        break;
      case 'l4-after-ipv4':
        // The transport header starts IHL * 4 bytes into the IPv4 header.
        b.mov64Imm(R2, 0);
        loadRelative(b, 1, fail);
        b.alu64Imm('and', R0, 0x0f).alu64Imm('lsh', R0, 2).alu64Imm('add', R0, test.offset).mov64Reg(R2, R0);
        break;
    }
    loadRelative(b, test.size, fail);
  },

  returnValue(b, verdict) {
    // A socket filter returns how many bytes to keep: all of them, or none (drop).
    if (verdict === 'pass') b.load('u32', R0, R6, SKB_LEN);
    else b.mov64Imm(R0, 0);
  },
};

/** r0 = `size` big-endian bytes at network-header offset r2, or goto fail (packet too short). */
function loadRelative(b: ProgramBuilder, size: 1 | 2 | 4, fail: string): void {
  b.mov64Reg(R1, R6)
    .mov64Reg(R3, R10)
    .alu64Imm('add', R3, SCRATCH)
    .mov64Imm(R4, size)
    .mov64Imm(R5, BPF_HDR_START_NET)
    .call('skb_load_bytes_relative')
    .jump('jne', R0, 0, fail)
    .load(memorySize[size], R0, R10, SCRATCH);
  networkToHost(b, size);
}
