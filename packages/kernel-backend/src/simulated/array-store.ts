import { UpdateFlag } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';
import type { MapStore } from './map-store.js';

/**
 * ARRAY and PERCPU_ARRAY (kernel/bpf/arraymap.c): every index below max_entries exists and starts
 * zeroed; NOEXIST is always EEXIST, an index out of range is E2BIG on update and ENOENT on lookup,
 * and elements cannot be deleted (EINVAL).
 */
export class ArrayStore implements MapStore {
  readonly #values: Uint8Array[];
  readonly #valueBytes: number;

  constructor(maxEntries: number, valueBytes: number) {
    this.#valueBytes = valueBytes;
    this.#values = Array.from({ length: maxEntries }, () => new Uint8Array(valueBytes));
  }

  get size(): number {
    return this.#values.length;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.#values[indexOf(key)];
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    const index = indexOf(key);
    if ((flags & ~UpdateFlag.F_LOCK) > UpdateFlag.EXIST) throw new SimFault(Errno.EINVAL);
    if (index >= this.#values.length) throw new SimFault(Errno.E2BIG);
    if ((flags & 3) === UpdateFlag.NOEXIST) throw new SimFault(Errno.EEXIST);
    this.#values[index]!.set(value.subarray(0, this.#valueBytes));
  }

  delete(): boolean {
    throw new SimFault(Errno.EINVAL);
  }

  nextKey(key: Uint8Array | null): Uint8Array | undefined {
    // array_map_get_next_key: out-of-range or null restarts at 0
    const index = key === null ? -1 : indexOf(key);
    const next = index >= this.#values.length ? 0 : index + 1;
    return next < this.#values.length ? indexKey(next) : undefined;
  }

  /** the raw slot, for map-in-map and prog-array stores built on top */
  slot(index: number): Uint8Array | undefined {
    return this.#values[index];
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
