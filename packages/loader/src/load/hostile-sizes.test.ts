import { readFileSync } from 'node:fs';
import { MapDefinitionError, MapType } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';
import { withHugeBss } from '../testing/corrupt-objects.js';

const fixture = (name: string) => readFileSync(new URL(`../../../../fixtures/${name}`, import.meta.url));

function dryRun(options: ConstructorParameters<typeof SimulatedKernel>[0] = {}) {
  const kernel = new SimulatedKernel({ possibleCpus: 2, ...options });
  return { kernel, loader: createLoader({ backend: kernel }) };
}

describe('hostile sizes in a dry run (simulated kernel)', () => {
  it('refuses a .bss of 2^51+16 bytes as a bad map definition naming the map and field', async () => {
    const { kernel, loader } = dryRun();
    const spec = loader.open(withHugeBss(fixture('global_vars.bpfel.o')), { name: 'global_vars' });
    expect(spec.maps.find((m) => m.name === '.bss')!.valueSize).toBe(2 ** 51 + 16);
    const error = await loader.load(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MapDefinitionError);
    expect((error as MapDefinitionError).location).toMatchObject({ map: '.bss', field: 'value_size' });
    expect((error as Error).message).toMatch(
      /map global_v.bss: value_size 2251799813685264 does not fit the kernel's u32/,
    );
    expect(kernel.openFds()).toEqual([]);
  });

  it("answers E2BIG where the kernel's alloc checks do (value_size, per-CPU rounding)", async () => {
    const { loader } = dryRun();
    const spec = loader.open(fixture('legacy_xdp.bpfel.o'), { name: 'legacy_xdp' });
    const verdicts = spec.maps.find((m) => m.name === 'verdicts')!;
    expect(verdicts.type).toBe(MapType.PERCPU_ARRAY);
    // (0xfffffff9 + 7) & ~7 wraps to 0 in u32 arithmetic; the kernel's round_up does not
    for (const valueSize of [0xffff_fff9, 32 * 1024 + 1]) {
      verdicts.valueSize = valueSize;
      await expect(loader.load(spec)).rejects.toMatchObject({
        errno: 7 /* E2BIG */,
        location: { map: 'verdicts' },
      });
    }
  });

  it('answers ENOMEM when max_entries x value size exceeds the memory it may take', async () => {
    const { loader } = dryRun({ memoryLimit: 1 << 30 });
    const spec = loader.open(fixture('legacy_len_histogram.bpfel.o'), { name: 'histogram' });
    spec.maps.find((m) => m.name === 'len_buckets')!.maxEntries = 0xffff_ffff;
    await expect(loader.load(spec)).rejects.toMatchObject({ errno: 12 /* ENOMEM */ });
  });

  it('creates a 134M-entry legacy array map in well under a second, allocating only what is written', async () => {
    const { kernel, loader } = dryRun();
    const spec = loader.open(fixture('legacy_len_histogram.bpfel.o'), { name: 'histogram' });
    const buckets = spec.maps.find((m) => m.name === 'len_buckets')!;
    buckets.maxEntries = 134_217_728;
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const loaded = await loader.load(spec);
    expect(performance.now() - started).toBeLessThan(1000);
    const map = loaded.map('len_buckets');
    const last = new Uint8Array(new Uint32Array([134_217_727]).buffer);
    map.update(last, new Uint8Array(8).fill(7));
    expect(map.lookup(last)).toEqual(new Uint8Array(8).fill(7));
    expect(map.lookup(new Uint8Array(4))).toEqual(new Uint8Array(8));
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    expect(kernel.mapInfo(map.fd).maxEntries).toBe(134_217_728);
    loaded.close();
  });
});
