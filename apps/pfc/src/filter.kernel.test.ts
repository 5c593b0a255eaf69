import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { compileFilter, filterProgramName } from './compile-filter.js';
import { readCounters } from './counters.js';
import { ethernetFrame, type PacketDescription, parsePacketDescription } from './packet.js';
import { parseFilter } from './parser.js';
import { runFilter } from './run-filter.js';
import { kernelSkipReason } from './testing/kernel.js';
import { type ReferencePacket, referenceVerdict } from './testing/reference-filter.js';

const skip = kernelSkipReason();

// Named test packets: every row of the table below says which of them its filter lets through.
const described: Record<string, string> = {
  dns: 'udp 10.0.0.1:53 > 10.0.0.2:1234',
  http: 'tcp 10.0.0.1:40000 > 192.168.1.10:80',
  httpReplyWithOptions: 'tcp 192.168.1.10:80 > 10.0.0.1:40000 options 2', // IHL 7: ports 28 bytes in
  ping: 'icmp 10.0.0.2 > 10.0.0.1',
  mdns6: 'udp [fe80::1]:5353 > [ff02::fb]:5353',
  https6: 'tcp [2001:db8::1]:443 > [2001:db8::2]:50000',
  ping6: 'icmp6 [fe80::1] > [fe80::2]',
  dnsFragment: 'udp 10.0.0.1:53 > 10.0.0.2:1234 frag 100', // not the first fragment: no ports
  sctp: 'sctp 10.0.0.3:9 > 10.0.0.4:2905',
};
const packets: Record<string, PacketDescription> = Object.fromEntries(
  Object.entries(described).map(([name, text]) => [name, parsePacketDescription(text)]),
);
const frames: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(packets).map(([name, packet]) => [name, ethernetFrame(packet)]),
);
// An ARP request: EtherType 0x0806 and 28 bytes, so no IP primitive may match it.
frames.arp = Uint8Array.from([...frames.dns!.subarray(0, 12), 0x08, 0x06, ...new Uint8Array(28)]);
const references: Record<string, ReferencePacket> = { ...packets, arp: { notIp: true } };
const names = Object.keys(frames);

const table: ReadonlyArray<readonly [string, string[]]> = [
  ['ip', ['dns', 'http', 'httpReplyWithOptions', 'ping', 'dnsFragment', 'sctp']],
  ['ip6', ['mdns6', 'https6', 'ping6']],
  ['tcp', ['http', 'httpReplyWithOptions', 'https6']],
  ['udp', ['dns', 'mdns6', 'dnsFragment']],
  ['icmp', ['ping']],
  ['icmp6', ['ping6']],
  ['sctp', ['sctp']],
  ['host 10.0.0.1', ['dns', 'http', 'httpReplyWithOptions', 'ping', 'dnsFragment']],
  ['src host 10.0.0.1', ['dns', 'http', 'dnsFragment']],
  ['dst host 192.168.1.10', ['http']],
  ['host fe80::1', ['mdns6', 'ping6']],
  ['dst host ff02::fb', ['mdns6']],
  ['port 53', ['dns']],
  ['udp port 5353', ['mdns6']],
  ['tcp port 5353', []],
  ['dst port 80', ['http']],
  ['src port 80', ['httpReplyWithOptions']],
  ['tcp src port 80', ['httpReplyWithOptions']],
  ['portrange 400-500', ['https6']],
  ['portrange 1-1024', ['dns', 'http', 'httpReplyWithOptions', 'https6', 'sctp']],
  ['src or dst port 9', ['sctp']],
  ['src and dst port 5353', ['mdns6']],
  ['port 53 or 80', ['dns', 'http', 'httpReplyWithOptions']],
  ['not ip', ['mdns6', 'https6', 'ping6', 'arp']],
  ['! ip && ! ip6', ['arp']],
  ['tcp or udp', ['dns', 'http', 'httpReplyWithOptions', 'mdns6', 'https6', 'dnsFragment']],
  ['udp and not port 53', ['mdns6', 'dnsFragment']],
  ['not tcp and udp', ['dns', 'mdns6', 'dnsFragment']],
  ['ip6 and not icmp6', ['mdns6', 'https6']],
  // Left to right: (host .1 or host .3) and tcp. Were `and` tighter, dns and ping would pass too.
  ['host 10.0.0.1 or host 10.0.0.3 and tcp', ['http', 'httpReplyWithOptions']],
  ['src host 10.0.0.1 && (dst port 1234 || dst port 80)', ['dns', 'http']],
  ['host 10.0.0.1 and 10.0.0.2', ['dns', 'ping', 'dnsFragment']],
  ['not (tcp and udp)', names],
];

describe.skipIf(skip)(
  `compiled filters in the kernel (BPF_PROG_TEST_RUN)${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const loader = createLoader();

    for (const target of ['xdp', 'socket'] as const) {
      describe(`${target} target`, () => {
        for (const [expression, passing] of table) {
          it(`${expression} lets through exactly ${passing.join(', ') || 'nothing'}`, async () => {
            using loaded = await loader.load(compileFilter(expression, { target }));
            const program = loaded.program(filterProgramName(target));
            const verdicts = names.map(
              (name) => [name, runFilter(program, target, frames[name]!).verdict] as const,
            );
            const passed = verdicts.filter(([, verdict]) => verdict === 'pass').map(([name]) => name);
            expect(passed.sort()).toEqual([...passing].sort());
            // The table and the reference semantics agree, so neither can drift alone.
            const tree = parseFilter(expression);
            expect(names.filter((name) => referenceVerdict(tree, references[name]!)).sort()).toEqual(passed);
            // Every run was counted, in the slot of its verdict.
            expect(readCounters(loaded)).toEqual({
              passed: BigInt(passed.length),
              dropped: BigInt(names.length - passed.length),
            });
          });
        }

        it('drops a packet too short for a load, as a classic BPF filter does, even under not', async () => {
          const truncated = frames.dns!.subarray(0, 14 + 20 + 1); // the UDP ports are cut off
          for (const [expression, verdict] of [
            ['port 53', 'drop'],
            ['not port 53', 'drop'],
            ['ip', 'pass'], // needs only the EtherType
            ['src host 10.0.0.1', 'pass'],
          ] as const) {
            using loaded = await loader.load(compileFilter(expression, { target }));
            const run = runFilter(loaded.program(filterProgramName(target)), target, truncated);
            expect([expression, run.verdict]).toEqual([expression, verdict]);
          }
        });

        it('returns the verdict the target expects', async () => {
          using loaded = await loader.load(compileFilter('udp', { target }));
          const program = loaded.program(filterProgramName(target));
          const pass = runFilter(program, target, frames.dns!).retval;
          const drop = runFilter(program, target, frames.http!).retval;
          // XDP_PASS / XDP_DROP; a socket filter keeps skb->len bytes (the frame past its MAC header) or 0.
          expect([pass, drop]).toEqual(target === 'xdp' ? [2, 1] : [frames.dns!.length - 14, 0]);
        });
      });
    }
  },
);
