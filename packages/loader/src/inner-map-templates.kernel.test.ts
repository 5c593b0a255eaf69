import { type MapSpec, MapType, type ObjectSpec } from '@bpfkit/core';
import { type KernelBackend, LinuxBackend, type MapCreateAttr } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const skip = kernelSkipReason();
const source = { format: 'builder', section: '', sectionIndex: -1, offset: 0 };

/** The selftests' mim_array_pe: an array of PERF_EVENT_ARRAY maps whose template leaves max_entries 0. */
function mapInMapSpec(): ObjectSpec {
  const inner: MapSpec = {
    name: 'mim_array_pe.inner',
    type: MapType.PERF_EVENT_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: 0,
    flags: 0,
    pinning: { kind: 'none' },
    source,
  };
  const outer: MapSpec = {
    ...inner,
    name: 'mim_array_pe',
    type: MapType.ARRAY_OF_MAPS,
    maxEntries: 1,
    innerMap: inner,
  };
  return {
    name: 'mim',
    byteOrder: 'little',
    license: 'GPL',
    kernelVersion: 0,
    programs: [],
    functions: [],
    maps: [outer],
  };
}

/** The Linux backend, recording every BPF_MAP_CREATE it is asked for. */
function recordingBackend(): { backend: KernelBackend; created: MapCreateAttr[] } {
  const inner = new LinuxBackend();
  const created: MapCreateAttr[] = [];
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'createMap') return typeof value === 'function' ? value.bind(target) : value;
      return (attr: MapCreateAttr) => {
        created.push(attr);
        return target.createMap(attr);
      };
    },
  });
  return { backend, created };
}

describe.skipIf(skip)(`inner map templates${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('sizes a PERF_EVENT_ARRAY template left at 0 entries to the possible CPUs, as libbpf does', async () => {
    const { backend, created } = recordingBackend();
    const loaded = await createLoader({ backend }).load(mapInMapSpec());
    try {
      const cpus = backend.possibleCpus();
      expect(created.find((a) => a.type === MapType.PERF_EVENT_ARRAY)?.maxEntries).toBe(cpus);
      // The kernel refuses a PERF_EVENT_ARRAY of 0 entries (EINVAL), so the load itself is its
      // answer; the outer map then takes a perf event array in its slot.
      const perfArray = backend.createMap({
        type: MapType.PERF_EVENT_ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: cpus,
        flags: 0,
        name: 'fits',
      });
      try {
        const slot = new Uint8Array(4);
        loaded.map('mim_array_pe').update(slot, new Uint8Array(Int32Array.of(perfArray.value).buffer));
        expect(loaded.map('mim_array_pe').lookup(slot)).toBeDefined();
      } finally {
        perfArray.close();
      }
    } finally {
      loaded.close();
    }
  });
});
