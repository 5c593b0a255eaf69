import { UpdateFlag } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';
import { copyBytes, keyOf, type MapStore } from './map-store.js';

/**
 * HASH, PERCPU_HASH and their LRU variants (kernel/bpf/hashtab.c), roughly: NOEXIST/EXIST give
 * EEXIST/ENOENT, a full hash answers E2BIG, an LRU hash evicts its least recently used entry
 * instead. Iteration follows insertion order (the kernel's follows buckets: any order is valid).
 */
export class HashStore implements MapStore {
  // iteration follows insertion; recency is a separate clock so a lookup never reorders a walk
  readonly #entries = new Map<string, { key: Uint8Array; value: Uint8Array; used: number }>();
  #clock = 0;
  readonly #keySize: number;
  readonly #valueBytes: number;
  readonly #maxEntries: number;
  readonly #lru: boolean;

  constructor(keySize: number, valueBytes: number, maxEntries: number, lru: boolean) {
    this.#keySize = keySize;
    this.#valueBytes = valueBytes;
    this.#maxEntries = maxEntries;
    this.#lru = lru;
  }

  get size(): number {
    return this.#entries.size;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const id = keyOf(key, this.#keySize);
    const entry = this.#entries.get(id);
    if (entry) entry.used = ++this.#clock;
    return entry?.value;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    if ((flags & ~UpdateFlag.F_LOCK) > UpdateFlag.EXIST) throw new SimFault(Errno.EINVAL);
    const id = keyOf(key, this.#keySize);
    const existing = this.#entries.get(id);
    const mode = flags & 3;
    if (existing && mode === UpdateFlag.NOEXIST) throw new SimFault(Errno.EEXIST);
    if (!existing && mode === UpdateFlag.EXIST) throw new SimFault(Errno.ENOENT);
    if (existing) {
      existing.value = copyBytes(value, this.#valueBytes);
      existing.used = ++this.#clock;
      return;
    }
    if (this.#entries.size >= this.#maxEntries) {
      if (!this.#lru) throw new SimFault(Errno.E2BIG);
      this.#entries.delete(this.#leastRecentlyUsed());
    }
    this.#entries.set(id, {
      key: copyBytes(key, this.#keySize),
      value: copyBytes(value, this.#valueBytes),
      used: ++this.#clock,
    });
  }

  delete(key: Uint8Array): boolean {
    return this.#entries.delete(keyOf(key, this.#keySize));
  }

  nextKey(key: Uint8Array | null): Uint8Array | undefined {
    const ids = [...this.#entries.keys()];
    // htab_map_get_next_key: an unknown key restarts from the first bucket
    const at = key === null ? -1 : ids.indexOf(keyOf(key, this.#keySize));
    const next = ids[at + 1];
    return next === undefined ? undefined : this.#entries.get(next)!.key;
  }

  #leastRecentlyUsed(): string {
    let oldest = '';
    let oldestUse = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.#entries) {
      if (entry.used < oldestUse) {
        oldest = id;
        oldestUse = entry.used;
      }
    }
    return oldest;
  }
}
