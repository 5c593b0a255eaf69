import { isPerCpuMapType, MapFlag, MapType } from '@bpfkit/core';
import type { MapCreateAttr } from '../backend.js';
import { Errno } from '../errno.js';
import { ArrayStore } from './array-store.js';
import { SimFault } from './fault.js';
import { FdSlotStore, type SlotResolver } from './fd-slot-store.js';
import { HashStore } from './hash-store.js';
import { checkMapLimits, roundUp8 } from './map-limits.js';
import type { MapStore } from './map-store.js';
import type { SimObject } from './objects.js';
import { UnimplementedStore } from './unimplemented-store.js';

const knownFlags = Object.values(MapFlag).reduce((all, flag) => all | flag, 0);
const knownTypes = new Set<number>(Object.values(MapType).filter((t) => t !== MapType.UNSPEC));

/** BPF_MAP_TYPE_* values whose element semantics the simulated kernel implements. */
export const implementedMapTypes: ReadonlySet<number> = new Set([
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
  MapType.PROG_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
]);

const storageTypes: ReadonlySet<number> = new Set([
  MapType.CGROUP_STORAGE,
  MapType.PERCPU_CGROUP_STORAGE,
  MapType.SK_STORAGE,
  MapType.INODE_STORAGE,
  MapType.TASK_STORAGE,
  MapType.CGRP_STORAGE,
]);

export function isKnownMapType(type: number): boolean {
  return knownTypes.has(type);
}

/** Bytes per value as user space sees it: per-CPU values are round_up(value_size, 8) per CPU. */
export function valueBytesOf(attr: MapCreateAttr, cpus: number): number {
  return isPerCpuMapType(attr.type) ? roundUp8(attr.valueSize) * cpus : attr.valueSize;
}

export interface StoreContext {
  cpus: number;
  /** bytes a map may take before BPF_MAP_CREATE answers ENOMEM */
  memoryLimit: number;
  resolveSlot: (type: 'program' | 'map') => SlotResolver;
  release: (object: SimObject) => void;
}

/**
 * Checks a MAP_CREATE the way map_create() and the type's map_alloc_check do, and builds the store.
 * Throws SimFault(EINVAL/E2BIG) where the kernel would refuse.
 */
export function createStore(attr: MapCreateAttr, context: StoreContext): MapStore {
  const { type, keySize, valueSize, maxEntries, flags } = attr;
  if (!knownTypes.has(type)) throw new SimFault(Errno.EINVAL);
  if ((flags & ~knownFlags) !== 0) throw new SimFault(Errno.EINVAL);
  if (keySize > 512) throw new SimFault(Errno.E2BIG);
  checkMapLimits(attr, context.cpus, context.memoryLimit);
  const valueBytes = valueBytesOf(attr, context.cpus);
  switch (type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
      if (keySize !== 4 || valueSize === 0 || maxEntries === 0) throw new SimFault(Errno.EINVAL);
      return new ArrayStore(maxEntries, valueBytes);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH: {
      if (keySize === 0 || valueSize === 0 || maxEntries === 0) throw new SimFault(Errno.EINVAL);
      const lru = type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;
      return new HashStore(keySize, valueBytes, maxEntries, lru);
    }
    case MapType.PROG_ARRAY:
    case MapType.ARRAY_OF_MAPS:
      if (keySize !== 4 || valueSize !== 4 || maxEntries === 0) throw new SimFault(Errno.EINVAL);
      return new FdSlotStore(
        4,
        maxEntries,
        true,
        context.resolveSlot(type === MapType.PROG_ARRAY ? 'program' : 'map'),
        context.release,
      );
    case MapType.HASH_OF_MAPS:
      if (keySize === 0 || valueSize !== 4 || maxEntries === 0) throw new SimFault(Errno.EINVAL);
      return new FdSlotStore(keySize, maxEntries, false, context.resolveSlot('map'), context.release);
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      // ringbuf_map_alloc: no key or value, a power-of-2 multiple of the page size
      if (keySize !== 0 || valueSize !== 0 || maxEntries < 4096 || (maxEntries & (maxEntries - 1)) !== 0) {
        throw new SimFault(Errno.EINVAL);
      }
      return new UnimplementedStore(type);
    default:
      // storage maps are sized by their owners and insist on max_entries 0; every other type on > 0
      if (storageTypes.has(type) !== (maxEntries === 0)) throw new SimFault(Errno.EINVAL);
      return new UnimplementedStore(type);
  }
}
