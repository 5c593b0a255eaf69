import { describe, expect, it } from 'vitest';
import { ethernetFrame, parsePacketDescription } from './packet.js';
import { PfcSyntaxError } from './syntax-error.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('parsePacketDescription', () => {
  it('reads protocol, endpoints and ports, IPv4 and bracketed IPv6', () => {
    const v4 = parsePacketDescription('udp 10.0.0.1:53 > 10.0.0.2:1234');
    expect(v4).toMatchObject({
      protocol: 'udp',
      srcPort: 53,
      dstPort: 1234,
      src: { family: 4, text: '10.0.0.1' },
    });
    const v6 = parsePacketDescription('tcp [fe80::1]:80 > [fe80::2]:443');
    expect(v6).toMatchObject({
      protocol: 'tcp',
      srcPort: 80,
      dstPort: 443,
      dst: { family: 6, text: 'fe80::2' },
    });
    expect(parsePacketDescription('icmp6 fe80::1 > fe80::2')).toMatchObject({ srcPort: 0, dstPort: 0 });
    expect(parsePacketDescription('udp 10.0.0.1:1 > 10.0.0.2:2 frag 3 options 1')).toMatchObject({
      fragmentOffset: 3,
      ipv4OptionWords: 1,
    });
  });

  it.each([
    ['http 1.2.3.4:1 > 1.2.3.5:2', 0, 'expected a protocol'],
    ['udp 10.0.0.1 > 10.0.0.2:1', 4, 'udp needs a port'],
    ['udp 10.0.0.1:1 10.0.0.2:1', 15, "expected '>'"],
    ['icmp 10.0.0.1:7 > 10.0.0.2', 5, 'icmp has no ports'],
    ['icmp fe80::1 > fe80::2', 0, 'icmp goes over IPv4'],
    ['udp 10.0.0.1:1 > [::1]:2', 17, 'differ in IP version'],
    ['udp 10.0.0.1:1 > 10.0.0.256:2', 17, "'10.0.0.256' is not an IPv4 or IPv6 address"],
    ['udp [::1]:1 > [::2]:2 frag 8', 22, 'IPv4 packets only'],
  ])('%j fails at offset %i', (text, offset, message) => {
    let error: unknown;
    try {
      parsePacketDescription(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PfcSyntaxError);
    expect((error as PfcSyntaxError).message).toContain(message);
    expect((error as PfcSyntaxError).location.byteOffset).toBe(offset);
  });
});

describe('ethernetFrame', () => {
  it('lays out Ethernet, IPv4 with a valid checksum, and UDP', () => {
    const frame = ethernetFrame(parsePacketDescription('udp 10.0.0.1:53 > 10.0.0.2:1234'));
    expect(frame.length).toBe(14 + 20 + 8);
    expect(hex(frame.subarray(12, 14))).toBe('0800');
    // 45: version 4, IHL 5; total length 28; ttl 64, protocol 17; checksum; addresses
    expect(hex(frame.subarray(14, 34))).toBe('4500001c123400004011' + '549b' + '0a000001' + '0a000002');
    expect(hex(frame.subarray(34))).toBe('003504d200080000');
  });

  it('the IPv4 header checksum verifies (ones-complement sum is 0xffff)', () => {
    const frame = ethernetFrame(
      parsePacketDescription('tcp 192.168.1.10:80 > 10.0.0.1:40000 options 2 frag 5'),
    );
    const header = frame.subarray(14, 14 + 28);
    let sum = 0;
    for (let i = 0; i < header.length; i += 2) sum += (header[i]! << 8) | header[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    expect(header[0]).toBe(0x47); // IHL 7
    expect(hex(header.subarray(6, 8))).toBe('0005');
    expect(hex(frame.subarray(14 + 28, 14 + 28 + 4))).toBe('00509c40'); // ports after the options
  });

  it('lays out IPv6 with the next header and addresses', () => {
    const frame = ethernetFrame(parsePacketDescription('icmp6 [fe80::1] > [ff02::1]'));
    expect(frame.length).toBe(14 + 40 + 8);
    expect(hex(frame.subarray(12, 14))).toBe('86dd');
    expect(hex(frame.subarray(14, 22))).toBe('600000000008' + '3a40');
    expect(hex(frame.subarray(22, 38))).toBe('fe800000000000000000000000000001');
    expect(frame[54]).toBe(128); // echo request
  });
});
