// Sharing with the real tools: a map that bpfkit-tc pins in tc/globals (from an iproute2 object
// Debian's tc refuses) is reused by a libbpf object with LIBBPF_PIN_BY_NAME that Debian's tc
// loads onto the same device. tc's libbpf pins BY_NAME maps under <bpffs>/tc/globals and finds
// the bpffs at /sys/fs/bpf, so this test works there and removes exactly what it added.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachedFilter } from './add-filter.js';
import { main } from './main.js';
import { createTcLoader } from './tc-loader.js';
import { bpftoolJson, createVethPair, type VethPair } from './testing/network.js';
import { SYSTEM_BPFFS, useSystemBpffs } from './testing/system-bpffs.js';

const skipReason = kernelSkipReason('ip', 'tc', 'bpftool');
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const iproute2Object = fixture('tc_share_iproute2.bpfel.o');
const libbpfObject = fixture('tc_share_libbpf.bpfel.o');
const MAP = 'bpfkit_tcshare';
const TC_MARK = 0x7c5ea4edn; // what tc's program writes into slot 1 (tc_share_libbpf.bpf.c)

const u32 = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
const u64 = (value: bigint) => new Uint8Array(new BigUint64Array([value]).buffer);
const readU64 = (bytes: Uint8Array | undefined) =>
  bytes ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) : undefined;

/** tc-style words of a command line (paths, which may hold spaces, are passed apart). */
const words = (line: string) => line.split(' ');

async function bpfkitTc(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

// As bpfkit-tc chooses (tcx where the kernel has it), and forced to a cls_bpf filter: pref 1 runs
// before the filter tc adds with its automatic priority, as a tcx link runs before every filter.
describe.skipIf(skipReason !== undefined).each([[undefined], ['netlink']] as const)(
  `a tc/globals map shared with Debian's tc, --tc-mode %s${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  (forcedMode) => {
    const modeWords = forcedMode ? ['--tc-mode', forcedMode] : [];
    let system: ReturnType<typeof useSystemBpffs>;
    let veth: VethPair;
    let attached: AttachedFilter;
    const mapPin = join(SYSTEM_BPFFS, 'tc/globals', MAP);

    beforeAll(async () => {
      veth = createVethPair();
      system = useSystemBpffs([
        mapPin,
        join(SYSTEM_BPFFS, 'tc/links', `${veth.host}-ingress`),
        join(SYSTEM_BPFFS, 'tc/links', `${veth.host}-ingress-cls_bpf`),
      ]);
      // bpfkit-tc first, with the default pin root: it creates tc/globals/bpfkit_tcshare.
      const added = await bpfkitTc(
        ...words(`filter add dev ${veth.host} ingress bpf obj`),
        iproute2Object,
        ...modeWords,
        '--json',
      );
      expect(added.stderr).toBe('');
      attached = JSON.parse(added.stdout) as AttachedFilter;
      // bpfkit-tc made the clsact qdisc already when it attached through netlink
      spawnSync('tc', ['qdisc', 'add', 'dev', veth.host, 'clsact']);
    });
    afterAll(async () => {
      if (attached) await bpfkitTc('filter', 'del', 'dev', veth.host, 'ingress');
      veth?.remove();
      system?.restore();
    });

    it('bpfkit-tc pins the map where tc looks for it', () => {
      const shown = bpftoolJson('map', 'show', 'pinned', mapPin) as { id: number; name: string };
      expect(attached.maps).toEqual([{ name: MAP, id: shown.id, pin: mapPin, reused: false }]);
    });

    it("Debian's tc loads the libbpf object and reuses the pinned map", () => {
      const tc = spawnSync(
        'tc',
        ['filter', 'add', 'dev', veth.host, 'ingress', 'bpf', 'da', 'obj', libbpfObject, 'sec', 'tc'],
        { encoding: 'utf8' },
      );
      expect(tc.stderr).toBe('');
      expect(tc.status).toBe(0);
      const [net] = bpftoolJson('net', 'show', 'dev', veth.host) as {
        tc: { kind: string; id: number; name: string }[];
      }[];
      // tc's filter (bpfkit-tc's may be a cls_bpf filter on the same hook too)
      const filter = net!.tc.find((f) => f.kind === 'clsact/ingress' && f.name.startsWith('tc_share_libbpf'));
      expect(filter).toBeDefined();
      const prog = bpftoolJson('prog', 'show', 'id', String(filter!.id)) as {
        name: string;
        map_ids: number[];
      };
      expect(prog.name).toBe('share_write');
      expect(prog.map_ids).toEqual([attached.maps[0]!.id]);
    });

    it("packets run bpfkit's program, then tc's; each sees what the other wrote", async () => {
      // bpfkit's side, through its LiveMap: open the same iproute2 object, load no programs; the
      // map comes from the pin.
      const loader = createTcLoader();
      using loaded = await loader.load(loader.open(iproute2Object), {
        pinRoot: SYSTEM_BPFFS,
        select: () => false,
      });
      const shared = loaded.map(MAP);
      expect(shared.reused).toBe(true);
      const fromBpfkit = 0x0123456789abcdefn;
      shared.update(u32(2), u64(fromBpfkit));
      expect(readU64(shared.lookup(u32(1)))).toBe(0n);

      veth.sendUdp(9100, 4);

      expect(readU64(shared.lookup(u32(0)))).toBe(4n); // bpfkit's tcx classifier counted each packet
      expect(readU64(shared.lookup(u32(1)))).toBe(TC_MARK); // tc's program wrote its mark
      expect(readU64(shared.lookup(u32(3)))).toBe(fromBpfkit); // and copied bpfkit's slot 2
    });
  },
);
