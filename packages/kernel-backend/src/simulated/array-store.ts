import { UpdateFlag } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';
import type { MapStore } from './map-store.js';

/**
 * ARRAY and PERCPU_ARRAY (kernel/bpf/arraymap.c): every index below max_entries exists and starts
 * zeroed; NOEXIST is always EEXIST, an index out of range is E2BIG on update and ENOENT on lookup,
 * and elements cannot be deleted (EINVAL). Only written slots take memory: a map the kernel
 * creates in a second (2^27 entries) costs a dry run nothing until it is filled.
 */
export class ArrayStore implements MapStore {
  readonly #written = new Map<number, Uint8Array>();
  readonly #maxEntries: number;
  readonly #valueBytes: number;

  constructor(maxEntries: number, valueBytes: number) {
    this.#maxEntries = maxEntries;
    this.#valueBytes = valueBytes;
  }

  get size(): number {
    return this.#maxEntries;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const index = indexOf(key);
    if (index >= this.#maxEntries) return undefined;
    return this.#written.get(index) ?? new Uint8Array(this.#valueBytes);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    const index = indexOf(key);
    if ((flags & ~UpdateFlag.F_LOCK) > UpdateFlag.EXIST) throw new SimFault(Errno.EINVAL);
    if (index >= this.#maxEntries) throw new SimFault(Errno.E2BIG);
    if ((flags & 3) === UpdateFlag.NOEXIST) throw new SimFault(Errno.EEXIST);
    let slot = this.#written.get(index);
    if (!slot) {
      slot = new Uint8Array(this.#valueBytes);
      this.#written.set(index, slot);
    }
    slot.set(value.subarray(0, this.#valueBytes));
  }

  delete(): boolean {
    throw new SimFault(Errno.EINVAL);
  }

  nextKey(key: Uint8Array | null): Uint8Array | undefined {
    // array_map_get_next_key: out-of-range or null restarts at 0
    const index = key === null ? -1 : indexOf(key);
    const next = index >= this.#maxEntries ? 0 : index + 1;
    return next < this.#maxEntries ? indexKey(next) : undefined;
  }
}

export function indexOf(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
}

export function indexKey(index: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, index, true);
  return key;
}
