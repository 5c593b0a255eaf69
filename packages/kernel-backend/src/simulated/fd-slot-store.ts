import { UpdateFlag } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { indexOf } from './array-store.js';
import { SimFault } from './fault.js';
import { copyBytes, keyOf, type MapStore } from './map-store.js';
import type { SimObject } from './objects.js';

/** Resolves a descriptor written as a value into the object it names (or throws SimFault). */
export type SlotResolver = (fd: number) => SimObject;

/**
 * PROG_ARRAY, ARRAY_OF_MAPS and HASH_OF_MAPS: user space writes an fd, the slot holds the object,
 * a lookup from user space reads back the object's id (kernel/bpf/arraymap.c fd_array_*,
 * hashtab.c fd_htab_*). Array-backed slots only take BPF_ANY, as the kernel requires.
 */
export class FdSlotStore implements MapStore {
  readonly #slots = new Map<string, { key: Uint8Array; object: SimObject }>();
  readonly #keySize: number;
  readonly #maxEntries: number;
  readonly #arrayBacked: boolean;
  readonly #resolve: SlotResolver;
  readonly #release: (object: SimObject) => void;

  constructor(
    keySize: number,
    maxEntries: number,
    arrayBacked: boolean,
    resolve: SlotResolver,
    release: (object: SimObject) => void,
  ) {
    this.#keySize = keySize;
    this.#maxEntries = maxEntries;
    this.#arrayBacked = arrayBacked;
    this.#resolve = resolve;
    this.#release = release;
  }

  get size(): number {
    return this.#slots.size;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const slot = this.#slots.get(keyOf(key, this.#keySize));
    if (!slot) return undefined;
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, slot.object.id, true);
    return id;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): void {
    const id = keyOf(key, this.#keySize);
    const existing = this.#slots.get(id);
    if (this.#arrayBacked) {
      if (indexOf(key) >= this.#maxEntries) throw new SimFault(Errno.E2BIG);
      if (flags !== UpdateFlag.ANY) throw new SimFault(Errno.EINVAL);
    } else {
      if (existing && flags === UpdateFlag.NOEXIST) throw new SimFault(Errno.EEXIST);
      if (!existing && flags === UpdateFlag.EXIST) throw new SimFault(Errno.ENOENT);
      if (!existing && this.#slots.size >= this.#maxEntries) throw new SimFault(Errno.E2BIG);
    }
    const fd = new DataView(value.buffer, value.byteOffset, 4).getInt32(0, true);
    const object = this.#resolve(fd);
    object.refs++;
    this.#slots.set(id, { key: copyBytes(key, this.#keySize), object });
    if (existing) this.#release(existing.object);
  }

  delete(key: Uint8Array): boolean {
    if (this.#arrayBacked && indexOf(key) >= this.#maxEntries) throw new SimFault(Errno.E2BIG);
    const id = keyOf(key, this.#keySize);
    const existing = this.#slots.get(id);
    if (!existing) return false;
    this.#slots.delete(id);
    this.#release(existing.object);
    return true;
  }

  nextKey(key: Uint8Array | null): Uint8Array | undefined {
    if (this.#arrayBacked) {
      // arrays iterate every index, empty or not
      const index = key === null ? -1 : indexOf(key);
      const next = index >= this.#maxEntries ? 0 : index + 1;
      if (next >= this.#maxEntries) return undefined;
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, next, true);
      return out;
    }
    const ids = [...this.#slots.keys()];
    const at = key === null ? -1 : ids.indexOf(keyOf(key, this.#keySize));
    const next = ids[at + 1];
    return next === undefined ? undefined : this.#slots.get(next)!.key;
  }

  /** drops every slot's reference when the map itself goes away */
  releaseAll(): void {
    for (const slot of this.#slots.values()) this.#release(slot.object);
    this.#slots.clear();
  }
}
