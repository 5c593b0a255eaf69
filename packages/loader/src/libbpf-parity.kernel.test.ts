import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadKernelBtf } from '@bpfkit/btf';
import { MapFlag } from '@bpfkit/core';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import { type KernelView, kernelView, loadWithLibbpf } from './testing/kernel-views.js';

const here = (path: string) => new URL(path, import.meta.url).pathname;
const XDP_TOOLS = '/usr/lib/x86_64-linux-gnu/bpf';
const skip = kernelSkipReason('bpftool');
const xdpTools = existsSync(XDP_TOOLS)
  ? readdirSync(XDP_TOOLS)
      .filter((f) => f.endsWith('.o'))
      .sort()
  : [];
if (xdpTools.length === 0 && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but xdp-tools' objects are not installed in ${XDP_TOOLS}`);
}

/** libbpf pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf; the test removes the pins it caused. */
const LIBBPF_PIN_ROOT = '/sys/fs/bpf';

describe.skipIf(skip)(
  `the kernel sees what libbpf makes of the same object${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let bpffs: ReturnType<typeof mountBpffs>;
    let serial = 0;
    beforeAll(() => {
      if (spawnSync('mountpoint', ['-q', LIBBPF_PIN_ROOT]).status !== 0) {
        mkdirSync(LIBBPF_PIN_ROOT, { recursive: true });
        spawnSync('mount', ['-t', 'bpf', 'bpf', LIBBPF_PIN_ROOT]);
      }
      bpffs = mountBpffs();
    });
    afterAll(() => bpffs?.unmount());

    async function compare(object: string) {
      const loader = createLoader();
      const spec = loader.open(object);
      const byNamePins = spec.maps
        .filter((m) => m.pinning.kind === 'by-name' && !existsSync(join(LIBBPF_PIN_ROOT, m.name)))
        .map((m) => join(LIBBPF_PIN_ROOT, m.name));
      const dir = join(bpffs.dir, `libbpf${serial++}`);
      try {
        const libbpf = loadWithLibbpf(object, dir);
        if ('refused' in libbpf) return { libbpfRefused: libbpf.refused };
        const expected = kernelView(libbpf.ids);
        const loaded = await loader.load(spec, { pinRoot: join(bpffs.dir, `bpfkit${serial}`) });
        try {
          const actual = kernelView([...loaded.programs.values()].map((p) => p.info().id));
          return { expected, actual };
        } finally {
          loaded.close();
        }
      } finally {
        for (const pin of byNamePins) if (existsSync(pin)) unlinkSync(pin);
      }
    }

    /**
     * libbpf 1.1 (Debian's) sets BPF_F_MMAPABLE on every global-data map; current libbpf, and bpfkit,
     * only where a DATASEC has a non-static variable (map_is_mmapable). That bit alone may differ.
     */
    const withoutMmapable = (view: KernelView | undefined) =>
      view && {
        ...view,
        maps: Object.fromEntries(
          Object.entries(view.maps).map(([name, m]) => [name, { ...m, flags: m.flags & ~MapFlag.MMAPABLE }]),
        ),
      };

    /**
     * Strong kfuncs an object calls that this kernel's BTF lacks (externs.bpfel.o calls
     * bpf_rcu_read_lock, which 6.2 added): libbpf refuses such an object, and so must bpfkit.
     */
    const missingKfuncs = (object: string): string[] =>
      object === 'externs.bpfel.o'
        ? ['bpf_rcu_read_lock', 'bpf_rcu_read_unlock'].filter(
            (name) => loadKernelBtf().findByName(name, 'FUNC').length === 0,
          )
        : [];

    for (const object of [
      '../../../fixtures/global_vars.bpfel.o',
      '../../../fixtures/subprograms.bpfel.o',
      '../../maps-btf/src/fixtures/btf_maps.bpfel.o',
      '../../relocator/src/fixtures/core_relocs.bpfel.o',
      '../../relocator/src/fixtures/externs.bpfel.o',
    ]) {
      it(`${basename(object)}: same programs, maps, flags and xlated instructions`, async () => {
        const missing = missingKfuncs(basename(object));
        const result = await compare(here(object));
        if (missing.length > 0) {
          // The kernel lacks a kfunc the object needs: both loaders refuse, and bpfkit names it.
          expect(result.libbpfRefused).toBeDefined();
          const loader = createLoader();
          await expect(loader.load(loader.open(here(object)))).rejects.toThrow(new RegExp(missing[0]!));
          return;
        }
        expect(result.libbpfRefused).toBeUndefined();
        expect(withoutMmapable(result.actual)).toEqual(withoutMmapable(result.expected));
        expect(Object.keys(result.actual!.programs).length).toBeGreaterThan(0);
      });
    }

    for (const object of xdpTools) {
      it(`xdp-tools ${object} loads wherever libbpf loads it, identically`, async () => {
        const path = join(XDP_TOOLS, object);
        const result = await compare(path);
        if (result.libbpfRefused) {
          // xdpdump_bpf.o: fentry/fexit programs whose target user space sets; this kernel has no trampolines.
          expect(object).toBe('xdpdump_bpf.o');
          await expect(createLoader().load(createLoader().open(path))).rejects.toThrow(
            /trampoline|fentry|attach/i,
          );
          return;
        }
        expect(withoutMmapable(result.actual)).toEqual(withoutMmapable(result.expected));
      });
    }
  },
);
