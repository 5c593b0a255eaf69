// The filter expression as a tree: what the parser produces and the compiler and tests read.

/** Which address or port of a packet a primitive looks at (pcap's "dir" qualifier). */
export type Direction = 'src' | 'dst' | 'src or dst' | 'src and dst';

/** Protocols that can stand alone as a primitive. */
export type ProtocolName = 'ip' | 'ip6' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6';

/** Transport protocols that have ports. */
export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order */
  bytes: Uint8Array;
  /** as written in the expression */
  text: string;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'protocol'; protocol: ProtocolName }
  | { kind: 'host'; direction: Direction; address: IpAddress }
  /** `port N` is the range N..N; `protocol` narrows it (`tcp port 80`), else tcp, udp or sctp */
  | { kind: 'port'; direction: Direction; low: number; high: number; protocol?: PortProtocol };

/** The expression written back in pcap syntax, fully parenthesised (for messages and tests). */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${formatFilter(node.left)} ${node.kind} ${formatFilter(node.right)})`;
    case 'not':
      return `not ${formatFilter(node.operand)}`;
    case 'protocol':
      return node.protocol;
    case 'host':
      return `${node.direction} host ${node.address.text}`;
    case 'port': {
      const proto = node.protocol ? `${node.protocol} ` : '';
      const which = node.low === node.high ? `port ${node.low}` : `portrange ${node.low}-${node.high}`;
      return `${proto}${node.direction} ${which}`;
    }
  }
}
