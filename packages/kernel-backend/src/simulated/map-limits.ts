import { MapFlag, MapType } from '@bpfkit/core';
import type { MapCreateAttr } from '../backend.js';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';

/**
 * The size limits the kernel applies at BPF_MAP_CREATE (array_map_alloc_check, htab_map_alloc_check
 * and the allocations that follow), with the kernel's errnos, so a dry run refuses what a real load
 * would. Constants are x86_64's.
 */

/** KMALLOC_MAX_SIZE with SLUB: 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) = 4 MiB */
export const KMALLOC_MAX_SIZE = 4 << 20;
/** PCPU_MIN_UNIT_SIZE: the largest per-CPU value the percpu allocator serves */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
const PAGE_SIZE = 4096;
/** sizeof(struct htab_elem) and sizeof(struct bucket) on 64-bit */
const HTAB_ELEM_SIZE = 48;
const HTAB_BUCKET_SIZE = 16;
const U32_MAX = 0xffff_ffff;

/** round_up(value_size, 8), in doubles: the u32 (value_size + 7) & ~7 would wrap past 2^32 - 8 */
export function roundUp8(size: number): number {
  return Math.ceil(size / 8) * 8;
}

function nextPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

const arrayTypes: ReadonlySet<number> = new Set([MapType.ARRAY, MapType.PERCPU_ARRAY]);
const hashTypes: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);
const perCpuTypes: ReadonlySet<number> = new Set([
  MapType.PERCPU_ARRAY,
  MapType.PERCPU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

/**
 * Throws SimFault(E2BIG) where the kernel's alloc_check refuses a size, SimFault(ENOMEM) where its
 * allocation of the whole map would exceed `memoryLimit` bytes. Other types are not sized here.
 */
export function checkMapLimits(attr: MapCreateAttr, cpus: number, memoryLimit: number): void {
  const { type, keySize, valueSize, maxEntries, flags } = attr;
  const percpu = perCpuTypes.has(type);
  const elemSize = roundUp8(valueSize);
  if (arrayTypes.has(type)) {
    if (valueSize > KMALLOC_MAX_SIZE) throw new SimFault(Errno.E2BIG);
    if (percpu && elemSize > PCPU_MIN_UNIT_SIZE) throw new SimFault(Errno.E2BIG);
    // array_map_alloc: one pointer per entry plus the per-CPU areas, or entries back to back
    let bytes = percpu ? maxEntries * (8 + elemSize * cpus) : maxEntries * elemSize;
    if (flags & MapFlag.MMAPABLE) bytes = Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
    if (bytes > memoryLimit) throw new SimFault(Errno.ENOMEM);
  } else if (hashTypes.has(type)) {
    if (keySize + valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) throw new SimFault(Errno.E2BIG);
    if (percpu && elemSize > PCPU_MIN_UNIT_SIZE) throw new SimFault(Errno.E2BIG);
    // htab_map_alloc: max_entries above 2^31 or a bucket array past u32 is E2BIG
    if (maxEntries > 2 ** 31) throw new SimFault(Errno.E2BIG);
    const buckets = nextPowerOfTwo(maxEntries);
    if (buckets > Math.floor(U32_MAX / HTAB_BUCKET_SIZE)) throw new SimFault(Errno.E2BIG);
    let bytes = buckets * HTAB_BUCKET_SIZE;
    if (!(flags & MapFlag.NO_PREALLOC)) {
      const element = HTAB_ELEM_SIZE + roundUp8(keySize) + (percpu ? 8 + elemSize * cpus : elemSize);
      bytes += maxEntries * element;
    }
    if (bytes > memoryLimit) throw new SimFault(Errno.ENOMEM);
  }
}
