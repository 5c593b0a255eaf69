import { describe, expect, it } from 'vitest';
import { parseMessages } from './netlink-message.js';
import {
  addBpfFilterRequest,
  CLSACT_HANDLE,
  deleteFilterRequest,
  ETH_P_ALL,
  filterInfo,
  hookParent,
  parseFilterMessage,
} from './tc-messages.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// What the 6.18 kernel answered to `addBpfFilterRequest` (NLM_F_ECHO) and to a dump of the same
// ingress hook of ifindex 21, program id 1383 (0x567), recorded once and kept as bytes.
const ECHO = hex(
  '68000000 2c00 0d06 66000000 62580000' +
    '00 00 0000 15000000 01000000 f2ffffff 000300c0' + // tcmsg: ifindex 21, handle 1, ffff:fff2, pref 0xc000 all
    '0800 0100 62706600' + // TCA_KIND "bpf"
    '0800 0b00 00000000' + // TCA_CHAIN 0
    '3400 0200' + // TCA_OPTIONS
    '0c00 0700 6361703a5b315d00' + // TCA_BPF_NAME "cap:[1]"
    '0800 0b00 67050000' + // TCA_BPF_ID 1383
    '0c00 0a00 59f4a931744dcdc6' + // TCA_BPF_TAG
    '0800 0800 01000000' + // TCA_BPF_FLAGS act_direct
    '0800 0900 08000000', // TCA_BPF_FLAGS_GEN not_in_hw
);
const DUMP = hex(
  '34000000 2c00 0200 67000000 62580000' +
    '00 00 0000 15000000 00000000 f2ffffff 000300c0 0800 0100 62706600 0800 0b00 00000000',
);

describe('tc messages', () => {
  it('names the clsact hooks and packs priority and protocol as tc does', () => {
    expect(CLSACT_HANDLE.toString(16)).toBe('ffff0000');
    expect(hookParent('ingress').toString(16)).toBe('fffffff2');
    expect(hookParent('egress').toString(16)).toBe('fffffff3');
    // TC_H_MAKE(prio << 16, htons(ETH_P_ALL))
    expect(filterInfo(49152, ETH_P_ALL).toString(16)).toBe('c0000300');
  });

  it('builds RTM_NEWTFILTER with kind bpf and nested fd, name and the direct-action flag', () => {
    const request = addBpfFilterRequest(
      { ifindex: 19, direction: 'ingress', programFd: 19, name: 'cap:[1]', priority: 0 },
      102,
    );
    expect(toHex(request)).toBe(
      '4c000000' +
        '2c00' +
        '0d06' +
        '66000000' +
        '00000000' + // REQUEST|ACK|ECHO|EXCL|CREATE
        '00000000' +
        '13000000' +
        '00000000' +
        'f2ffffff' +
        '00030000' +
        '0800010062706600' +
        '20000280' +
        '0800060013000000' +
        '0c0007006361703a5b315d00' +
        '0800080001000000',
    );
  });

  it('builds RTM_DELTFILTER naming exactly one filter', () => {
    const request = deleteFilterRequest(
      { ifindex: 21, direction: 'egress', priority: 7, handle: 3, protocol: ETH_P_ALL },
      5,
    );
    expect(toHex(request.subarray(4, 8))).toBe('2d000500'); // RTM_DELTFILTER, REQUEST|ACK
    expect(toHex(request.subarray(16, 36))).toBe(
      '00000000' + '15000000' + '03000000' + 'f3ffffff' + '00030700',
    );
  });

  it('reads the echoed filter: priority, handle, protocol and the program behind it', () => {
    expect(parseFilterMessage(parseMessages(ECHO)[0]!)).toEqual({
      ifindex: 21,
      direction: 'ingress',
      priority: 49152,
      handle: 1,
      protocol: ETH_P_ALL,
      kind: 'bpf',
      chain: 0,
      bpf: { programId: 1383, name: 'cap:[1]', directAction: true, tag: '59f4a931744dcdc6' },
    });
  });

  it("skips the dump's entry for a priority (handle 0, no options)", () => {
    expect(parseFilterMessage(parseMessages(DUMP)[0]!)).toBeUndefined();
  });
});
