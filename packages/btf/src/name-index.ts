import type { Btf } from './btf.js';
import { cStringEquals, hashBytes, hashCString } from './strings.js';
import type { TypeIndex } from './type-index.js';
import { recordWords } from './type-records.js';

const encoder = new TextEncoder();

/** The string table bytes and local offset that hold name offset `offset` (base first for split BTF). */
function stringAt(btf: Btf, offset: number): [Uint8Array, number] {
  let owner = btf;
  while (offset < owner.stringsBase && owner.base) owner = owner.base;
  return [owner.stringBytes, offset - owner.stringsBase];
}

/**
 * name -> type ids, as a chained hash table in two Int32Arrays: names are hashed where they lie
 * in the string table, so building it decodes no string and allocates no per-type object. Built
 * in one walk over the records, which leaves the type index's lazily filled groups untouched;
 * chains list ids from the last, and lookup reverses what it finds.
 */
export class NameIndex {
  readonly #btf: Btf;
  readonly #index: TypeIndex;
  readonly #firstId: number;
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #mask: number;

  constructor(btf: Btf, index: TypeIndex, firstId: number) {
    this.#btf = btf;
    this.#index = index;
    this.#firstId = firstId;
    const count = index.count;
    let buckets = 16;
    while (buckets < count) buckets *= 2;
    this.#mask = buckets - 1;
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#next = new Int32Array(count).fill(-1);
    const { words } = btf;
    for (let i = 0, pos = 0; i < count; i++, pos += recordWords(words, pos)) {
      const nameOff = words[pos]!;
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
    const ids: number[] = [];
    for (let i = this.#heads[hashBytes(query) & this.#mask]!; i >= 0; i = this.#next[i]!) {
      const [bytes, start] = stringAt(this.#btf, words[this.#index.start(i)]!);
      if (cStringEquals(bytes, start, query)) ids.push(this.#firstId + i);
    }
    return ids.reverse();
  }
}
