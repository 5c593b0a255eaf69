// What only the real kernel shows: maps pinned where tc pins them, the jump table holding both
// tail-call programs (as bpftool sees it), and the tail calls actually running.
import { existsSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedObject } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareIproute2PinRoot } from './pin-root.js';
import { fixtureBytes, iproute2Loader, readU32, readU64, u32 } from './testing/fixtures.test-helpers.js';
import {
  bpftoolJson,
  kernelOk,
  kernelSkipReason,
  linuxBackend,
  mountBpffs,
} from './testing/kernel-gate.test-helpers.js';

/** A 64-byte Ethernet frame whose first byte (destination MAC) picks the tail-call slot. */
function frame(firstByte: number): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[0] = firstByte;
  bytes[12] = 0x08; // EtherType IPv4
  return bytes;
}

/** Keys and values of a bpftool JSON dump as numbers (little-endian u32 from hex bytes). */
function bpftoolSlots(path: string): Map<number, number> {
  const dump = bpftoolJson('map', 'dump', 'pinned', path) as { key: string[]; value: string[] }[];
  const u32Of = (hex: string[]) => readU32(Uint8Array.from(hex.map((b) => Number.parseInt(b, 16))));
  return new Map(dump.map((e) => [u32Of(e.key), u32Of(e.value)]));
}

describe.skipIf(!kernelOk)(
  `iproute2 objects in the real kernel${kernelOk ? '' : ` (skipped: ${kernelSkipReason})`}`,
  () => {
    let bpffs: ReturnType<typeof mountBpffs>;
    beforeAll(() => {
      bpffs = mountBpffs();
    });
    afterAll(() => bpffs?.unmount());

    describe('the tc fixture', () => {
      const loader = kernelOk ? iproute2Loader(linuxBackend()) : undefined;
      let first: LoadedObject;

      beforeAll(async () => {
        prepareIproute2PinRoot(bpffs.dir);
        first = await loader!.load(loader!.open(fixtureBytes('iproute2_tc.bpfel.o')), { pinRoot: bpffs.dir });
      });
      afterAll(() => first?.close());

      it('lays out the pin root as iproute2 does and pins every map in tc/globals', () => {
        expect(statSync(join(bpffs.dir, 'tc/globals')).isDirectory()).toBe(true);
        expect(readlinkSync(join(bpffs.dir, 'xdp'))).toBe('tc');
        expect(readlinkSync(join(bpffs.dir, 'ip'))).toBe('tc');
        for (const name of ['jmp_table', 'tail_hits', 'inner_hits', 'outer_maps']) {
          expect(existsSync(join(bpffs.dir, 'tc/globals', name)), name).toBe(true);
          // the same pin through iproute2's xdp/ alias
          const info = bpftoolJson('map', 'show', 'pinned', join(bpffs.dir, 'xdp/globals', name)) as {
            id: number;
          };
          expect(info.id).toBe(first.map(name).info().id);
        }
      });

      it('fills the jump table with both tail-call programs, as bpftool sees it', () => {
        const ids = [first.program('tail_zero').info().id, first.program('tail_one').info().id];
        // Looking up a PROG_ARRAY from user space gives program ids.
        const table = first.map('jmp_table');
        expect([0, 1].map((k) => readU32(table.lookup(u32(k))!))).toEqual(ids);
        expect(bpftoolSlots(join(bpffs.dir, 'tc/globals/jmp_table'))).toEqual(
          new Map([
            [0, ids[0]],
            [1, ids[1]],
          ]),
        );
      });

      it('puts the inner map in slot inner_idx of the outer map', () => {
        const innerId = first.map('inner_hits').info().id;
        expect(readU32(first.map('outer_maps').lookup(u32(0))!)).toBe(innerId);
        expect(bpftoolSlots(join(bpffs.dir, 'tc/globals/outer_maps'))).toEqual(new Map([[0, innerId]]));
      });

      it('runs each tail call: the counters prove which one ran', () => {
        const entry = first.program('cls_entry');
        const hits = first.map('tail_hits');
        const count = (k: number) => readU64(hits.lookup(u32(k))!);
        expect([count(0), count(1)]).toEqual([0n, 0n]);

        expect(entry.testRun({ data: frame(0x02) }).retval).toBe(10);
        expect([count(0), count(1)]).toEqual([1n, 0n]);
        expect(entry.testRun({ data: frame(0x03) }).retval).toBe(11);
        expect(entry.testRun({ data: frame(0x05) }).retval).toBe(11);
        expect([count(0), count(1)]).toEqual([1n, 2n]);
        // every run also counted through outer_maps[0] into inner_hits
        expect(readU64(first.map('inner_hits').lookup(u32(0))!)).toBe(3n);
      });

      it('reuses the tc/globals pins on a second load', async () => {
        const second = await loader!.load(loader!.open(fixtureBytes('iproute2_tc.bpfel.o')), {
          pinRoot: bpffs.dir,
        });
        try {
          for (const name of ['jmp_table', 'tail_hits', 'inner_hits', 'outer_maps']) {
            expect(second.map(name).reused, name).toBe(true);
            expect(second.map(name).info().id, name).toBe(first.map(name).info().id);
          }
          // The second classifier shares the first one's counters through the pins. Its own tail
          // programs are not written into the reused jump table (the loader fills slots only of
          // maps it created), so the slots still hold the first load's programs.
          expect(second.program('cls_entry').testRun({ data: frame(0x00) }).retval).toBe(10);
          expect(readU64(first.map('tail_hits').lookup(u32(0))!)).toBe(2n);
        } finally {
          second.close();
        }
      });
    });

    describe('the pinning fixture', () => {
      it('pins per object under tc/<sha1> and custom ids under their subpath', async () => {
        const confDir = mkdtempSync(join(tmpdir(), 'bpfkit-iproute2-conf-'));
        const pinningFile = join(confDir, 'bpf_pinning');
        writeFileSync(pinningFile, '42 custom/dir\n');
        const loader = iproute2Loader(linuxBackend());
        const spec = loader.open(fixtureBytes('iproute2_pinning.bpfel.o'), {
          'iproute2.pinningFile': pinningFile,
        });
        // the loader pins into existing directories; iproute2 creates them when it pins
        prepareIproute2PinRoot(bpffs.dir, spec);
        const loaded = await loader.load(spec, { pinRoot: bpffs.dir });
        try {
          const objectPin = spec.maps[0]!.pinning;
          expect(objectPin.kind === 'path' && objectPin.path).toMatch(/^tc\/[0-9a-f]{40}\/object_local$/);
          const pinned = (path: string) =>
            (bpftoolJson('map', 'show', 'pinned', join(bpffs.dir, path)) as { id: number }).id;
          expect(pinned((objectPin as { path: string }).path)).toBe(loaded.map('object_local').info().id);
          expect(pinned('custom/dir/custom_pinned')).toBe(loaded.map('custom_pinned').info().id);
          expect(loaded.program('act_mark').info().type).toBe(4); // SCHED_ACT
          expect(loaded.program('ingress_pass').info().type).toBe(3); // SCHED_CLS
        } finally {
          loaded.close();
          rmSync(confDir, { recursive: true, force: true });
        }
      });
    });
  },
);
