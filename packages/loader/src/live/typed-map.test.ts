import { UsageError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../index.js';
import { TypedMap, TypedPerCpuMap, typedMap } from './typed-map.js';

const fixture = new URL('../../../maps-btf/src/fixtures/btf_maps.bpfel.o', import.meta.url).pathname;

async function loadFixture() {
  const kernel = new SimulatedKernel({ possibleCpus: 3 });
  const loader = createLoader({ backend: kernel });
  const spec = loader.open(fixture);
  // keep the by-name pin of pinned_array inside the simulated kernel's own bpffs
  return loader.load(spec, { pinRoot: '/sys/fs/bpf' });
}

describe('typed maps: keys and values as JS values, from BTF', () => {
  it('sets, gets, iterates and deletes struct keys and typedef-struct values, as the bytes the C lays out', async () => {
    using loaded = await loadFixture();
    const flows = typedMap(loaded, 'flows');
    expect(flows).toBeInstanceOf(TypedMap);
    const key = { saddr: 0x0a000001, daddr: 0x0a000002, sport: 53, dport: 33000, proto: 17 };
    (flows as TypedMap).set(key, { packets: 3n, bytes: 180n });
    expect(flows.get(key)).toEqual({ packets: 3n, bytes: 180n });
    // the same entry through the byte API: struct flow_key is saddr, daddr, sport, dport, proto (+3 padding)
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0x0a000001, true);
    view.setUint32(4, 0x0a000002, true);
    view.setUint16(8, 53, true);
    view.setUint16(10, 33000, true);
    bytes[12] = 17;
    const raw = loaded.map('flows').lookup(bytes)!;
    expect(new DataView(raw.buffer).getBigUint64(8, true)).toBe(180n);
    expect([...flows.entries()]).toEqual([[key, { packets: 3n, bytes: 180n }]]);
    expect([...flows.keys()]).toEqual([key]);
    expect(flows.delete(key)).toBe(true);
    expect(flows.get(key)).toBeUndefined();
  });

  it('gives per-CPU maps one value per CPU and sets one value on every CPU', async () => {
    using loaded = await loadFixture();
    const counts = typedMap<bigint, number>(loaded, 'lru_counts') as TypedPerCpuMap<bigint, number>;
    expect(counts).toBeInstanceOf(TypedPerCpuMap);
    counts.set(7n, 5);
    expect(counts.get(7n)).toEqual([5, 5, 5]);
    counts.setPerCpu(7n, [1, 2, 3]);
    expect([...counts]).toEqual([[7n, [1, 2, 3]]]);
    expect(() => counts.setPerCpu(7n, [1])).toThrow(/takes 3 per-CPU values, not 1/);
  });

  it('refuses a map without BTF key and value types, naming the byte API', async () => {
    using loaded = await loadFixture();
    expect(() => typedMap(loaded, 'pinned_array')).toThrow(UsageError);
    expect(() => typedMap(loaded, 'pinned_array')).toThrow(/no BTF key and value types/);
    expect(() => typedMap(loaded, 'nope')).toThrow(/no loaded map named nope/);
    expect(() => (typedMap(loaded, 'flows') as TypedMap).set({ saddr: 'x' }, { packets: 1n })).toThrow();
  });
});
