// bpfkit-tc end to end on the real kernel: the iproute2 fixture of maps-iproute2 (tc/globals
// maps, a map-in-map by id, tail calls 1/0 and 1/1) attached at ingress of a veth, steered by
// real packets, and the same object refused by Debian's tc. Twice: as bpfkit-tc chooses (a tcx
// link where the kernel has tcx, a cls_bpf filter where it does not) and forced to netlink.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttachType, MapType } from '@bpfkit/core';
import { hasTcx, interfaceIndex, LinuxBackend } from '@bpfkit/kernel-backend';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachedFilter } from './add-filter.js';
import { main } from './main.js';
import { bpftoolJson, createVethPair, run as runCommand, type VethPair } from './testing/network.js';
import { readPinnedU64 } from './testing/pinned.js';

const skipReason = kernelSkipReason('ip', 'tc', 'bpftool');
const fixture = fileURLToPath(
  new URL('../../../packages/maps-iproute2/src/fixtures/iproute2_tc.bpfel.o', import.meta.url),
);

/** tc-style words of a command line (paths, which may hold spaces, are passed apart). */
const words = (line: string) => line.split(' ');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The filters `tc -j filter show` lists on one hook (without the per-priority heads). */
function tcFilters(device: string, hook: string) {
  const all = JSON.parse(runCommand('tc', ['-j', 'filter', 'show', 'dev', device, hook])) as {
    pref: number;
    kind: string;
    options?: { handle: string; bpf_name: string; 'direct-action'?: boolean; prog: { id: number } };
  }[];
  return all.filter((f) => f.options);
}

const forced = [[undefined], ['netlink']] as const;

describe.skipIf(skipReason !== undefined).each(forced)(
  `bpfkit-tc on a veth pair, --tc-mode %s${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  (forcedMode) => {
    const modeWords = forcedMode ? ['--tc-mode', forcedMode] : [];
    /** what bpfkit-tc attaches with here: the flag, else tcx where this kernel has it */
    const mode = forcedMode ?? (skipReason === undefined && hasTcx(new LinuxBackend()) ? 'tcx' : 'netlink');
    const pinName = (device: string, direction: string) =>
      `${device}-${direction}${mode === 'netlink' ? '-cls_bpf' : ''}`;
    let bpffs: ReturnType<typeof mountBpffs>;
    let veth: VethPair;
    let attached: AttachedFilter;
    const globals = (name: string) => join(bpffs.dir, 'tc/globals', name);
    const tailHits = () => [readPinnedU64(globals('tail_hits'), 0), readPinnedU64(globals('tail_hits'), 1)];
    const innerHits = () => readPinnedU64(globals('inner_hits'), 0);

    beforeAll(async () => {
      bpffs = mountBpffs();
      veth = createVethPair();
      const added = await run(
        ...words(`filter add dev ${veth.host} ingress bpf obj`),
        fixture,
        'pin-root',
        bpffs.dir,
        ...modeWords,
        '--json',
      );
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      attached = JSON.parse(added.stdout) as AttachedFilter;
      expect(attached.mode).toBe(mode);
    });
    afterAll(() => {
      veth?.remove();
      bpffs?.unmount();
    });

    it("pins every map in tc/globals and the link (or the filter's program) in tc/links", () => {
      for (const name of ['jmp_table', 'tail_hits', 'inner_hits', 'outer_maps']) {
        const shown = bpftoolJson('map', 'show', 'pinned', globals(name)) as { id: number; name: string };
        expect(shown.name).toBe(name);
        expect(attached.maps.find((m) => m.name === name)).toEqual({
          name,
          id: shown.id,
          pin: globals(name),
          reused: false,
        });
      }
      expect(attached.linkPin).toBe(join(bpffs.dir, 'tc/links', pinName(veth.host, 'ingress')));
      const programId =
        mode === 'tcx'
          ? (bpftoolJson('link', 'show', 'pinned', attached.linkPin) as { prog_id: number }).prog_id
          : (bpftoolJson('prog', 'show', 'pinned', attached.linkPin) as { id: number }).id;
      expect(programId).toBe(attached.program.id);
      expect(attached.program.name).toBe('cls_entry');
    });

    it('attached the classifier at ingress of the device, as seen from outside', () => {
      if (mode === 'netlink') {
        // a cls_bpf filter in direct-action mode, as Debian's tc shows it
        expect(tcFilters(veth.host, 'ingress')).toEqual([
          expect.objectContaining({
            pref: 1,
            kind: 'bpf',
            options: expect.objectContaining({
              handle: `0x${attached.filter!.handle.toString(16)}`,
              bpf_name: 'iproute2_tc.bpfel.o:[classifier]',
              'direct-action': true,
              prog: expect.objectContaining({ id: attached.program.id }),
            }),
          }),
        ]);
        expect(attached.filter).toMatchObject({ priority: 1, name: 'iproute2_tc.bpfel.o:[classifier]' });
        return;
      }
      // a tcx link: bpftool 7.1 predates tcx, so ask the kernel, the fdinfo of the pinned link
      const backend = new LinuxBackend();
      using link = backend.getPinned(attached.linkPin);
      const fdinfo = readFileSync(`/proc/self/fdinfo/${link.value}`, 'latin1');
      const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(fdinfo)?.[1];
      expect(field('link_type')).toBe('tcx');
      expect(field('prog_id')).toBe(String(attached.program.id));
      expect(field('ifindex')).toBe(String(interfaceIndex(veth.host)));
      expect(field('attach_type')).toBe(`${AttachType.TCX_INGRESS} (ingress)`);
      expect(tcFilters(veth.host, 'ingress')).toEqual([]);
    });

    it('fills the jump table with both tail-call programs, as bpftool dumps it', () => {
      const dump = bpftoolJson('map', 'dump', 'pinned', globals('jmp_table')) as {
        key: string[];
        value: string[];
      }[];
      // bpftool prints each byte as "0x.."; the key and value are little-endian u32
      const u32 = (hex: string[]) => hex.reduceRight((n, byte) => n * 256 + Number.parseInt(byte, 16), 0);
      const slots = new Map(dump.map((e) => [u32(e.key), u32(e.value)]));
      expect(attached.tailCalls.map((t) => [t.slot, t.program])).toEqual([
        [0, 'tail_zero'],
        [1, 'tail_one'],
      ]);
      for (const call of attached.tailCalls) {
        expect(slots.get(call.slot)).toBe(call.programId);
        const prog = bpftoolJson('prog', 'show', 'id', String(call.programId)) as {
          name: string;
          type: string;
        };
        expect(prog).toMatchObject({ name: call.program, type: 'sched_cls' });
      }
    });

    it('runs tail call 0 for an even destination MAC and tail call 1 for an odd one', () => {
      expect(tailHits()).toEqual([0n, 0n]);
      expect(Number.parseInt(veth.hostMac.slice(0, 2), 16) & 1).toBe(0); // veth MACs are unicast
      veth.sendUdp(9000, 3);
      expect(tailHits()).toEqual([3n, 0n]);
      // A multicast destination MAC (first byte odd): the frame still reaches tcx ingress.
      veth.setDestinationMac('03:00:5e:00:00:01');
      veth.sendUdp(9001, 2);
      expect(tailHits()).toEqual([3n, 2n]);
      // every packet also went through outer_maps[0] into the inner map
      expect(innerHits()).toBe(5n);
      veth.setDestinationMac(veth.hostMac);
    });

    it('reuses the tc/globals pins on a second add and points the jump table at its programs, as tc does', async () => {
      const second = await run(
        ...words(`filter add dev ${veth.host} egress bpf obj`),
        fixture,
        'pin-root',
        bpffs.dir,
        ...modeWords,
        '--json',
      );
      expect(second.code).toBe(0);
      const again = JSON.parse(second.stdout) as AttachedFilter;
      try {
        expect(again.maps.map((m) => [m.name, m.reused])).toEqual(attached.maps.map((m) => [m.name, true]));
        expect(again.maps.map((m) => m.id)).toEqual(attached.maps.map((m) => m.id));
        const ids = again.tailCalls.map((t) => t.programId);
        expect(ids).not.toEqual(attached.tailCalls.map((t) => t.programId));
        for (const id of ids) {
          expect((bpftoolJson('prog', 'show', 'id', String(id)) as { name: string }).name).toMatch(/^tail_/);
        }
      } finally {
        expect((await run('filter', 'del', 'dev', veth.host, 'egress', 'pin-root', bpffs.dir)).code).toBe(0);
      }
    });

    it("is refused by Debian's tc, whose libbpf no longer reads struct bpf_elf_map", () => {
      spawnSync('tc', ['qdisc', 'add', 'dev', veth.host, 'clsact']);
      // TC_BPF_MNT: tc makes its tc/globals hierarchy in the test's bpffs, not in /sys/fs/bpf.
      const tc = spawnSync(
        'tc',
        ['filter', 'add', 'dev', veth.host, 'ingress', 'bpf', 'obj', fixture, 'sec', 'classifier'],
        { encoding: 'utf8', env: { ...process.env, TC_BPF_MNT: bpffs.dir } },
      );
      expect(tc.status).not.toBe(0);
      expect(tc.stderr).toContain(
        "legacy map definitions in 'maps' section are not supported by libbpf v1.0+",
      );
      expect(tc.stderr).toContain('ERROR: opening BPF object file failed');
    });

    it('leaves no map pins behind when the attach fails after the load', async () => {
      const other = mountBpffs();
      try {
        // A map pinned where the links directory should be: pinning the link must fail.
        const backend = new LinuxBackend();
        using blocker = backend.createMap({
          type: MapType.ARRAY,
          keySize: 4,
          valueSize: 4,
          maxEntries: 1,
          flags: 0,
          name: 'x',
        });
        mkdirSync(join(other.dir, 'tc'));
        backend.pin(blocker, join(other.dir, 'tc/links'));
        const failed = await run(
          ...words(`filter add dev ${veth.host} egress bpf obj`),
          fixture,
          'pin-root',
          other.dir,
          ...modeWords,
        );
        expect(failed.code).not.toBe(0);
        expect(readdirSync(join(other.dir, 'tc/globals'))).toEqual([]);
        expect(failed.stderr).toContain(join(other.dir, 'tc/links'));
        // nothing stays attached either: the filter made before the pin failed was deleted
        expect(tcFilters(veth.host, 'egress')).toEqual([]);
      } finally {
        other.unmount();
      }
    });

    it('detaches on filter del: the pin goes and packets run no program any more', async () => {
      const deleted = await run('filter', 'del', 'dev', veth.host, 'ingress', 'pin-root', bpffs.dir);
      expect(deleted).toMatchObject({
        code: 0,
        stdout:
          mode === 'tcx'
            ? `detached and unpinned ${attached.linkPin}`
            : `deleted filter pref 1 handle 0x${attached.filter!.handle.toString(16)} and unpinned ${attached.linkPin}`,
      });
      expect(existsSync(attached.linkPin)).toBe(false);
      expect(tcFilters(veth.host, 'ingress')).toEqual([]);
      const before = tailHits();
      veth.sendUdp(9002, 2);
      expect(tailHits()).toEqual(before);
      // maps stay pinned, as with tc
      expect(existsSync(globals('tail_hits'))).toBe(true);
      const again = await run('filter', 'del', 'dev', veth.host, 'ingress', 'pin-root', bpffs.dir);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`no bpfkit-tc filter at ingress of ${veth.host}`);
    });
  },
);
