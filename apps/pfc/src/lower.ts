import type { Direction, FilterNode, IpAddress, PortProtocol, ProtocolName } from './ast.js';
import { all, any, type Condition, type FieldBase, type FieldTest } from './conditions.js';

// Header layouts: RFC 791 (IPv4), RFC 8200 (IPv6), and the transport headers' first 4 bytes.
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const IPV4_PROTOCOL = 9;
const IPV4_FRAGMENT = 6; // flags (3 bits) + fragment offset (13 bits)
const IPV4_SRC = 12;
const IPV4_DST = 16;
const IPV6_NEXT_HEADER = 6;
const IPV6_SRC = 8;
const IPV6_DST = 24;
const SRC_PORT = 0;
const DST_PORT = 2;

const protocolNumbers: Readonly<Record<PortProtocol | 'icmp' | 'icmp6', number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  sctp: 132,
  icmp6: 58,
};

function field(
  base: FieldBase,
  offset: number,
  size: 1 | 2 | 4,
  op: FieldTest['op'],
  value: number,
  mask?: number,
): FieldTest {
  const test: FieldTest = { kind: 'field', base, offset, size, op, value };
  if (mask !== undefined) test.mask = mask;
  return test;
}

const isIpv4: Condition = { kind: 'ethertype', value: ETH_P_IP };
const isIpv6: Condition = { kind: 'ethertype', value: ETH_P_IPV6 };
/** pcap reads ports only from the first fragment of an IPv4 datagram. */
const firstFragment = field('l3', IPV4_FRAGMENT, 2, 'eq', 0, 0x1fff);
const ipv4Carries = (protocol: number) => field('l3', IPV4_PROTOCOL, 1, 'eq', protocol);
const ipv6Carries = (protocol: number) => field('l3', IPV6_NEXT_HEADER, 1, 'eq', protocol);

/**
 * Turns a parsed expression into conditions on packet fields, with pcap's meanings: `tcp` is
 * IPv4 or IPv6 carrying TCP, `port` matches TCP, UDP or SCTP over either IP version, `host`
 * matches the address family it is written in.
 */
export function lowerFilter(node: FilterNode): Condition {
  switch (node.kind) {
    case 'and':
      return all(lowerFilter(node.left), lowerFilter(node.right));
    case 'or':
      return any(lowerFilter(node.left), lowerFilter(node.right));
    case 'not':
      return { kind: 'not', operand: lowerFilter(node.operand) };
    case 'protocol':
      return lowerProtocol(node.protocol);
    case 'host':
      return lowerHost(node.direction, node.address);
    case 'port':
      return lowerPort(node.direction, node.low, node.high, node.protocol);
  }
}

function lowerProtocol(protocol: ProtocolName): Condition {
  switch (protocol) {
    case 'ip':
      return isIpv4;
    case 'ip6':
      return isIpv6;
    case 'icmp':
      return all(isIpv4, ipv4Carries(protocolNumbers.icmp));
    case 'icmp6':
      return all(isIpv6, ipv6Carries(protocolNumbers.icmp6));
    default: {
      const number = protocolNumbers[protocol];
      return any(all(isIpv4, ipv4Carries(number)), all(isIpv6, ipv6Carries(number)));
    }
  }
}

function byDirection(direction: Direction, src: Condition, dst: Condition): Condition {
  switch (direction) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'src or dst':
      return any(src, dst);
    case 'src and dst':
      return all(src, dst);
  }
}

function lowerHost(direction: Direction, address: IpAddress): Condition {
  const view = new DataView(address.bytes.buffer, address.bytes.byteOffset, address.bytes.byteLength);
  const words = (at: number) =>
    all(
      ...Array.from({ length: address.bytes.length / 4 }, (_, i) =>
        field('l3', at + i * 4, 4, 'eq', view.getUint32(i * 4, false)),
      ),
    );
  return address.family === 4
    ? all(isIpv4, byDirection(direction, words(IPV4_SRC), words(IPV4_DST)))
    : all(isIpv6, byDirection(direction, words(IPV6_SRC), words(IPV6_DST)));
}

function lowerPort(direction: Direction, low: number, high: number, protocol?: PortProtocol): Condition {
  const carriers = protocol ? [protocol] : (['tcp', 'udp', 'sctp'] as const);
  const ports = (base: FieldBase) => {
    const port = (offset: number) =>
      low === high
        ? field(base, offset, 2, 'eq', low)
        : all(field(base, offset, 2, 'ge', low), field(base, offset, 2, 'le', high));
    return byDirection(direction, port(SRC_PORT), port(DST_PORT));
  };
  return any(
    all(
      isIpv4,
      any(...carriers.map((p) => ipv4Carries(protocolNumbers[p]))),
      firstFragment,
      ports('l4-after-ipv4'),
    ),
    all(isIpv6, any(...carriers.map((p) => ipv6Carries(protocolNumbers[p]))), ports('l4-after-ipv6')),
  );
}
