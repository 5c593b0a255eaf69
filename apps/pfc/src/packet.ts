import { parseIpv4, parseIpv6 } from './addresses.js';
import type { IpAddress } from './ast.js';
import { PfcSyntaxError } from './syntax-error.js';

export type PacketProtocol = 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6';

/** A test packet in words; ethernetFrame() turns it into bytes. */
export interface PacketDescription {
  protocol: PacketProtocol;
  src: IpAddress;
  dst: IpAddress;
  /** 0 for ICMP */
  srcPort: number;
  dstPort: number;
  /** IPv4 fragment offset in 8-byte units (non-zero: not the first fragment) */
  fragmentOffset?: number;
  /** extra 4-byte IPv4 option words (NOPs), so the header is longer than 20 bytes */
  ipv4OptionWords?: number;
  payload?: Uint8Array;
}

const protocolNumber: Readonly<Record<PacketProtocol, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  sctp: 132,
  icmp6: 58,
};
const PACKET_SYNTAX =
  "'udp 10.0.0.1:53 > 10.0.0.2:1234', 'tcp [fe80::1]:80 > [fe80::2]:443 ', 'icmp 10.0.0.1 > 10.0.0.2'";

/**
 * Parses `<protocol> <src>[:port] > <dst>[:port] [frag N] [options N]`, e.g.
 * 'udp 10.0.0.1:53 > 10.0.0.2:1234' or 'tcp [fe80::1]:80 > [fe80::2]:443'.
 */
export function parsePacketDescription(text: string): PacketDescription {
  const fail = (message: string, at: number): never => {
    throw new PfcSyntaxError(message, text, Math.max(0, at), { hint: `packets look like ${PACKET_SYNTAX}` });
  };
  const words = [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], offset: m.index }));
  const [proto, src, arrow, dst, ...rest] = words;
  if (!proto || !(proto.text in protocolNumber)) {
    return fail(`expected a protocol (tcp, udp, sctp, icmp, icmp6)`, proto?.offset ?? 0);
  }
  const protocol = proto.text as PacketProtocol;
  const hasPorts = protocol !== 'icmp' && protocol !== 'icmp6';
  if (!src) return fail('expected the source address', text.length);
  if (arrow?.text !== '>')
    return fail("expected '>' between source and destination", arrow?.offset ?? text.length);
  if (!dst) return fail('expected the destination address', text.length);
  const endpoint = (word: { text: string; offset: number }): [IpAddress, number] => {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(word.text) ?? /^([^:]+)(?::(\d+))?$/.exec(word.text);
    const addressText = match?.[1] ?? word.text;
    const v4 = parseIpv4(addressText);
    const v6 = v4 ? undefined : parseIpv6(addressText);
    if (!v4 && !v6) return fail(`'${addressText}' is not an IPv4 or IPv6 address`, word.offset);
    const portText = match?.[2];
    if (hasPorts && portText === undefined)
      return fail(`${protocol} needs a port: ${word.text}:PORT`, word.offset);
    if (!hasPorts && portText !== undefined) return fail(`${protocol} has no ports`, word.offset);
    const port = Number(portText ?? 0);
    if (port > 0xffff) return fail(`port ${port} is out of range`, word.offset);
    return [{ family: v4 ? 4 : 6, bytes: (v4 ?? v6)!, text: addressText }, port];
  };
  const [source, srcPort] = endpoint(src);
  const [destination, dstPort] = endpoint(dst);
  if (source.family !== destination.family)
    return fail('source and destination differ in IP version', dst.offset);
  if ((protocol === 'icmp' && source.family !== 4) || (protocol === 'icmp6' && source.family !== 6)) {
    return fail(`${protocol} goes over IPv${protocol === 'icmp' ? 4 : 6}`, proto.offset);
  }
  const packet: PacketDescription = { protocol, src: source, dst: destination, srcPort, dstPort };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if ((key.text !== 'frag' && key.text !== 'options') || !value || !/^\d+$/.test(value.text)) {
      return fail(`unexpected '${key.text}' (known: frag N, options N)`, key.offset);
    }
    if (source.family !== 4) return fail(`${key.text} applies to IPv4 packets only`, key.offset);
    if (key.text === 'frag') packet.fragmentOffset = Number(value.text);
    else packet.ipv4OptionWords = Number(value.text);
  }
  return packet;
}

/**
 * The packet as an Ethernet II frame: IPv4 (with a correct header checksum) or IPv6, then a
 * minimal TCP, UDP, SCTP or ICMP header and the payload. Transport checksums are left 0: XDP
 * and BPF_PROG_TEST_RUN do not check them.
 */
export function ethernetFrame(packet: PacketDescription): Uint8Array {
  const transport = transportHeader(packet);
  const payload = packet.payload ?? new Uint8Array(0);
  const l4Length = transport.length + payload.length;
  const ip = packet.src.family === 4 ? ipv4Header(packet, l4Length) : ipv6Header(packet, l4Length);
  const frame = new Uint8Array(14 + ip.length + l4Length);
  frame.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0); // dst, src MAC (locally administered)
  new DataView(frame.buffer).setUint16(12, packet.src.family === 4 ? 0x0800 : 0x86dd, false);
  frame.set(ip, 14);
  frame.set(transport, 14 + ip.length);
  frame.set(payload, 14 + ip.length + transport.length);
  return frame;
}

function ipv4Header(packet: PacketDescription, l4Length: number): Uint8Array {
  const words = 5 + (packet.ipv4OptionWords ?? 0);
  const header = new Uint8Array(words * 4).fill(1, 20); // options: NOP (type 1)
  const view = new DataView(header.buffer);
  header[0] = 0x40 | words;
  view.setUint16(2, header.length + l4Length, false);
  view.setUint16(4, 0x1234, false); // identification
  view.setUint16(6, (packet.fragmentOffset ?? 0) & 0x1fff, false);
  header[8] = 64; // TTL
  header[9] = protocolNumber[packet.protocol];
  header.set(packet.src.bytes, 12);
  header.set(packet.dst.bytes, 16);
  view.setUint16(10, internetChecksum(header), false);
  return header;
}

function ipv6Header(packet: PacketDescription, l4Length: number): Uint8Array {
  const header = new Uint8Array(40);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x60000000, false);
  view.setUint16(4, l4Length, false);
  header[6] = protocolNumber[packet.protocol];
  header[7] = 64; // hop limit
  header.set(packet.src.bytes, 8);
  header.set(packet.dst.bytes, 24);
  return header;
}

function transportHeader(packet: PacketDescription): Uint8Array {
  const sizes: Readonly<Record<PacketProtocol, number>> = { tcp: 20, udp: 8, sctp: 12, icmp: 8, icmp6: 8 };
  const header = new Uint8Array(sizes[packet.protocol]);
  const view = new DataView(header.buffer);
  switch (packet.protocol) {
    case 'icmp':
    case 'icmp6':
      header[0] = packet.protocol === 'icmp' ? 8 : 128; // echo request
      break;
    default:
      view.setUint16(0, packet.srcPort, false);
      view.setUint16(2, packet.dstPort, false);
      if (packet.protocol === 'udp') view.setUint16(4, 8 + (packet.payload?.length ?? 0), false);
      if (packet.protocol === 'tcp') {
        header[12] = 5 << 4; // data offset: 5 words
        header[13] = 0x02; // SYN
        view.setUint16(14, 0xffff, false); // window
      }
  }
  return header;
}

/** RFC 1071 ones' complement sum of 16-bit words. */
function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
