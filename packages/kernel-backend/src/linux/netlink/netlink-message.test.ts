import { describe, expect, it } from 'vitest';
import {
  encodeMessage,
  foldReplies,
  NLMSG_DONE,
  NLMSG_ERROR,
  NlmFlag,
  parseAck,
  parseAttributes,
  parseMessages,
  type ReplyState,
  readString,
  readU32,
  stringAttribute,
  u32Attribute,
} from './netlink-message.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// Datagrams the 6.18 kernel sent to a NETLINK_ROUTE socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
// (requests with seq 0x64.., port id 0x5862), recorded once and kept as bytes.
const ACK = hex('24000000 0200 0001 64000000 62580000  00000000  30000000 2400 0506 64000000 00000000');
const REFUSAL = hex(
  '4c000000 0200 0003 65000000 62580000  efffffff  30000000 2400 0506 65000000 00000000' +
    '2700 0100 4578636c7573697669747920666c6167206f6e2c2063616e6e6f74206d6f64696679 00 00',
);
const DUMP_DONE = hex('14000000 0300 0200 67000000 62580000 00000000');

describe('netlink framing', () => {
  it('encodes nlmsghdr, a family header and a NUL-terminated attribute padded to 4 bytes', () => {
    const familyHeader = hex('00 00 0000 13000000 0000ffff f1ffffff 00000000'); // a struct tcmsg
    const message = encodeMessage(
      { type: 36, flags: NlmFlag.REQUEST | NlmFlag.ACK | NlmFlag.CREATE | NlmFlag.EXCL, seq: 100 },
      familyHeader,
      [stringAttribute(1, 'clsact')],
    );
    // len 48, RTM_NEWQDISC, flags 0x605, seq 100, pid 0 | tcmsg | nla_len 11, TCA_KIND, "clsact\0", pad
    expect(toHex(message)).toBe(
      '30000000240005066400000000000000' +
        '00000000130000000000fffff1ffffff00000000' +
        '0b000100636c736163740000',
    );
  });

  it('marks nested attributes with NLA_F_NESTED and sizes them over their padded children', () => {
    const message = encodeMessage({ type: 44, flags: NlmFlag.REQUEST, seq: 1 }, new Uint8Array(4), [
      { type: 2, value: [u32Attribute(6, 19), stringAttribute(7, 'ab')] },
    ]);
    const attributes = message.subarray(16 + 4);
    // outer: len 4 + 8 + 8 = 20, type 2 | 0x8000
    expect(toHex(attributes)).toBe('14000280' + '0800060013000000' + '0700070061620000');
    const nested = parseAttributes(parseAttributes(attributes).get(2)!);
    expect(readU32(nested.get(6))).toBe(19);
    expect(readString(nested.get(7))).toBe('ab');
  });

  it('splits a datagram into its messages and refuses a length that runs past the end', () => {
    const two = new Uint8Array([...ACK, ...DUMP_DONE]);
    expect(parseMessages(two).map((m) => [m.type, m.seq, m.payload.length])).toEqual([
      [NLMSG_ERROR, 100, 20],
      [NLMSG_DONE, 103, 4],
    ]);
    expect(() => parseMessages(ACK.subarray(0, 30))).toThrow(/claims 36 bytes, 30 remain/);
  });

  it('reads an ACK as errno 0 and a refusal as its errno with the extended ack text', () => {
    expect(parseAck(parseMessages(ACK)[0]!)).toEqual({ errno: 0 });
    expect(parseAck(parseMessages(REFUSAL)[0]!)).toEqual({
      errno: 17,
      message: 'Exclusivity flag on, cannot modify',
    });
  });

  it('finds the extended ack after the whole echoed request when the ack is not capped', () => {
    // NLM_F_ACK_TLVS without NLM_F_CAPPED: errno, then the 20-byte request, then the TLVs
    const request = encodeMessage({ type: 44, flags: 5, seq: 9 }, new Uint8Array(4));
    const tlv = hex('0800 0100 6e6f7000'); // NLMSGERR_ATTR_MSG "nop"
    const payload = new Uint8Array([...hex('eaffffff'), ...request, ...tlv]);
    expect(parseAck({ type: NLMSG_ERROR, flags: 0x200, seq: 9, pid: 0, payload })).toEqual({
      errno: 22,
      message: 'nop',
    });
  });

  it('folds replies: data until the ack or NLMSG_DONE, a refusal ends it, other sequence numbers are skipped', () => {
    const start: ReplyState = { messages: [], finished: false };
    const stale = parseMessages(REFUSAL); // seq 101
    expect(foldReplies(start, stale, 100)).toEqual(start);
    const data = { type: 44, flags: 2, seq: 103, pid: 1, payload: new Uint8Array(20) };
    const dumped = foldReplies(foldReplies(start, [data, data], 103), parseMessages(DUMP_DONE), 103);
    expect(dumped).toMatchObject({ finished: true, messages: [data, data] });
    expect(dumped.failure).toBeUndefined();
    expect(foldReplies(start, stale, 101)).toMatchObject({
      finished: true,
      failure: { errno: 17, message: 'Exclusivity flag on, cannot modify' },
    });
  });
});
