import { MapType, UpdateFlag } from '@bpfkit/core';
import type { BatchResult } from '../backend.js';
import { Errno } from '../errno.js';
import { checkLength, mapShape } from '../map-shapes.js';
import { ArrayStore } from './array-store.js';
import { SimFault } from './fault.js';
import { FdSlotStore } from './fd-slot-store.js';
import type { SimMap } from './objects.js';

/**
 * The element commands of bpf() on one simulated map (kernel/bpf/syscall.c map_lookup_elem,
 * map_update_elem, ..., generic_map_*_batch): buffer checks, permissions, then the map's store.
 * Each throws SimFault with the kernel's errno; the simulated kernel turns it into a typed error.
 */

const hashTypes: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

const BPF_F_RDONLY = 0x08;
const BPF_F_WRONLY = 0x10;

function shapeOf(sim: SimMap, cpus: number) {
  const { attr } = sim;
  return mapShape(sim.name, attr.type, attr.keySize, attr.valueSize, attr.maxEntries, cpus);
}

function checkKey(sim: SimMap, cpus: number, syscall: string, key: Uint8Array): void {
  checkLength(syscall, shapeOf(sim, cpus), 'key', key, sim.attr.keySize);
}

function checkValue(sim: SimMap, cpus: number, syscall: string, value: Uint8Array): void {
  checkLength(syscall, shapeOf(sim, cpus), 'value', value, sim.valueBytes);
}

/** map_update_elem: frozen maps and BPF_F_RDONLY maps refuse syscall writes with EPERM. */
function checkWritable(sim: SimMap): void {
  if (sim.frozen || sim.attr.flags & BPF_F_RDONLY) throw new SimFault(Errno.EPERM);
}

export function lookupElem(
  sim: SimMap,
  cpus: number,
  key: Uint8Array,
  value: Uint8Array,
  flags: number,
): boolean {
  checkKey(sim, cpus, 'BPF_MAP_LOOKUP_ELEM', key);
  checkValue(sim, cpus, 'BPF_MAP_LOOKUP_ELEM', value);
  if (flags !== 0) throw new SimFault(Errno.EINVAL); // BPF_F_LOCK needs a bpf_spin_lock value
  if (sim.attr.flags & BPF_F_WRONLY) throw new SimFault(Errno.EPERM);
  const found = sim.store.lookup(key);
  if (found === undefined) return false;
  value.set(found.subarray(0, value.length));
  return true;
}

export function updateElem(
  sim: SimMap,
  cpus: number,
  key: Uint8Array,
  value: Uint8Array,
  flags: number,
): void {
  checkKey(sim, cpus, 'BPF_MAP_UPDATE_ELEM', key);
  checkValue(sim, cpus, 'BPF_MAP_UPDATE_ELEM', value);
  checkWritable(sim);
  if (flags & UpdateFlag.F_LOCK) throw new SimFault(Errno.EINVAL);
  sim.store.update(key, value, flags);
}

export function deleteElem(sim: SimMap, cpus: number, key: Uint8Array): boolean {
  checkKey(sim, cpus, 'BPF_MAP_DELETE_ELEM', key);
  checkWritable(sim);
  return sim.store.delete(key);
}

export function getNextKey(sim: SimMap, cpus: number, key: Uint8Array | null, nextKey: Uint8Array): boolean {
  if (key !== null) checkKey(sim, cpus, 'BPF_MAP_GET_NEXT_KEY', key);
  checkLength('BPF_MAP_GET_NEXT_KEY', shapeOf(sim, cpus), 'nextKey', nextKey, sim.attr.keySize);
  const next = sim.store.nextKey(key);
  if (next === undefined) return false;
  nextKey.set(next.subarray(0, sim.attr.keySize));
  return true;
}

export function lookupBatch(
  sim: SimMap,
  cpus: number,
  inBatch: Uint8Array | null,
  outBatch: Uint8Array,
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
): BatchResult {
  const shape = shapeOf(sim, cpus);
  const { keySize } = sim.attr;
  checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'key', keys, keySize * count);
  checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'value', values, sim.valueBytes * count);
  checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'key', outBatch, Math.max(keySize, 4));
  if (sim.store instanceof FdSlotStore) throw new SimFault(Errno.ENOTSUPP);
  // the resume token is opaque to user space; here it is the position reached, as a u32
  const start = inBatch === null ? 0 : new DataView(inBatch.buffer, inBatch.byteOffset, 4).getUint32(0, true);
  if (count === 0) return { count: 0, done: false };
  let position = 0;
  let written = 0;
  let exhausted = false;
  let key = sim.store.nextKey(null);
  while (written < count) {
    if (key === undefined) {
      exhausted = true;
      break;
    }
    if (position >= start) {
      keys.set(key.subarray(0, keySize), written * keySize);
      values.set(sim.store.lookup(key)!.subarray(0, sim.valueBytes), written * sim.valueBytes);
      written++;
    }
    position++;
    key = sim.store.nextKey(key);
  }
  new DataView(outBatch.buffer, outBatch.byteOffset, 4).setUint32(0, start + written, true);
  // arrays (generic_map_lookup_batch) report the end on the next call; hashes as soon as they reach it
  const isArray = sim.store instanceof ArrayStore;
  return { count: written, done: exhausted || (!isArray && key === undefined) };
}

export function updateBatch(
  sim: SimMap,
  cpus: number,
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
  flags: number,
): number {
  const { keySize } = sim.attr;
  checkLength('BPF_MAP_UPDATE_BATCH', shapeOf(sim, cpus), 'key', keys, keySize * count);
  checkLength('BPF_MAP_UPDATE_BATCH', shapeOf(sim, cpus), 'value', values, sim.valueBytes * count);
  checkWritable(sim);
  for (let i = 0; i < count; i++) {
    const key = keys.subarray(i * keySize, (i + 1) * keySize);
    const value = values.subarray(i * sim.valueBytes, (i + 1) * sim.valueBytes);
    try {
      sim.store.update(key, value, flags);
    } catch (fault) {
      if (fault instanceof SimFault) throw new SimFault(fault.errno, '', `${i} of ${count} written`);
      throw fault;
    }
  }
  return count;
}

export function deleteBatch(sim: SimMap, cpus: number, keys: Uint8Array, count: number): number {
  const { keySize } = sim.attr;
  checkLength('BPF_MAP_DELETE_BATCH', shapeOf(sim, cpus), 'key', keys, keySize * count);
  checkWritable(sim);
  for (let i = 0; i < count; i++) {
    try {
      // the kernel stops at the first missing key; the count says how many went before it
      if (!sim.store.delete(keys.subarray(i * keySize, (i + 1) * keySize))) return i;
    } catch (fault) {
      if (fault instanceof SimFault) throw new SimFault(fault.errno, '', `${i} of ${count} deleted`);
      throw fault;
    }
  }
  return count;
}

export function lookupAndDelete(
  sim: SimMap,
  cpus: number,
  key: Uint8Array | null,
  value: Uint8Array,
  flags: number,
): boolean {
  // hashes since 5.14; queues and stacks are not modelled here
  if (!hashTypes.has(sim.attr.type) || key === null) throw new SimFault(Errno.ENOTSUPP);
  checkKey(sim, cpus, 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', key);
  checkValue(sim, cpus, 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', value);
  if (flags !== 0) throw new SimFault(Errno.EINVAL);
  checkWritable(sim);
  const found = sim.store.lookup(key);
  if (found === undefined) return false;
  value.set(found.subarray(0, value.length));
  sim.store.delete(key);
  return true;
}

export function freeze(sim: SimMap): void {
  // map_freeze checks write permission first, which a frozen map has lost: EPERM, not EBUSY
  if (sim.frozen) throw new SimFault(Errno.EPERM);
  sim.frozen = true;
}
