import type { Direction, FilterNode } from '../ast.js';
import type { PacketDescription } from '../packet.js';

/** A packet the reference can judge: an IP packet in words, or a frame that is not IP at all. */
export type ReferencePacket = PacketDescription | { notIp: true };

/**
 * pcap-filter(7) semantics written straight over the packet's description, with no byte offsets:
 * the oracle the kernel's verdicts are compared against.
 */
export function referenceVerdict(node: FilterNode, packet: ReferencePacket): boolean {
  switch (node.kind) {
    case 'and':
      return referenceVerdict(node.left, packet) && referenceVerdict(node.right, packet);
    case 'or':
      return referenceVerdict(node.left, packet) || referenceVerdict(node.right, packet);
    case 'not':
      return !referenceVerdict(node.operand, packet);
    default:
      return 'notIp' in packet ? false : primitive(node, packet);
  }
}

function primitive(node: FilterNode, p: PacketDescription): boolean {
  const family = p.src.family;
  switch (node.kind) {
    case 'protocol':
      if (node.protocol === 'ip') return family === 4;
      if (node.protocol === 'ip6') return family === 6;
      return p.protocol === node.protocol;
    case 'host': {
      if (node.address.family !== family) return false;
      const same = (a: Uint8Array) => a.every((byte, i) => byte === node.address.bytes[i]);
      return matches(node.direction, same(p.src.bytes), same(p.dst.bytes));
    }
    case 'port': {
      const carriers = node.protocol ? [node.protocol] : ['tcp', 'udp', 'sctp'];
      if (!carriers.includes(p.protocol)) return false;
      if (family === 4 && (p.fragmentOffset ?? 0) !== 0) return false;
      const within = (port: number) => port >= node.low && port <= node.high;
      return matches(node.direction, within(p.srcPort), within(p.dstPort));
    }
    default:
      throw new Error(`not a primitive: ${node.kind}`);
  }
}

function matches(direction: Direction, src: boolean, dst: boolean): boolean {
  switch (direction) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'src or dst':
      return src || dst;
    case 'src and dst':
      return src && dst;
  }
}
