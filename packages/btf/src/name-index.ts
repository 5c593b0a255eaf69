import type { Btf } from './btf.js';
import { cStringEquals, hashBytes, hashCString } from './strings.js';
import { GROUP_SHIFT, type TypeOffsets } from './type-index.js';

const encoder = new TextEncoder();

/** The string table bytes and local offset that hold name offset `offset` (base first for split BTF). */
function stringAt(btf: Btf, offset: number): [Uint8Array, number] {
  let owner = btf;
  while (offset < owner.stringsBase && owner.base) owner = owner.base;
  return [owner.stringBytes, offset - owner.stringsBase];
}

/**
 * name -> type ids, as a chained hash table in two Int32Arrays: names are hashed where they lie
 * in the string table, so building it decodes no string and allocates no per-type object.
 */
export class NameIndex {
  readonly #btf: Btf;
  readonly #offsets: TypeOffsets;
  readonly #firstId: number;
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #mask: number;

  constructor(btf: Btf, offsets: TypeOffsets, firstId: number) {
    this.#btf = btf;
    this.#offsets = offsets;
    this.#firstId = firstId;
    const { bases, starts } = offsets;
    let buckets = 16;
    while (buckets < starts.length) buckets *= 2;
    this.#mask = buckets - 1;
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#next = new Int32Array(starts.length).fill(-1);
    const { words } = btf;
    const shift = GROUP_SHIFT;
    // Insert from the last type back, so each chain lists ids in ascending order.
    for (let i = starts.length - 1; i >= 0; i--) {
      const nameOff = words[bases[i >>> shift]! + starts[i]!]!;
      if (nameOff === 0) continue;
      const [bytes, start] = stringAt(btf, nameOff);
      const bucket = hashCString(bytes, start) & this.#mask;
      this.#next[i] = this.#heads[bucket]!;
      this.#heads[bucket] = i;
    }
  }

  lookup(name: string): number[] {
    if (name === '') return [];
    const query = encoder.encode(name);
    const { words } = this.#btf;
    const { bases, starts } = this.#offsets;
    const ids: number[] = [];
    for (let i = this.#heads[hashBytes(query) & this.#mask]!; i >= 0; i = this.#next[i]!) {
      const [bytes, start] = stringAt(this.#btf, words[bases[i >>> GROUP_SHIFT]! + starts[i]!]!);
      if (cStringEquals(bytes, start, query)) ids.push(this.#firstId + i);
    }
    return ids;
  }
}
