import type { BtfTypeDef } from '@bpfkit/btf';
import { referencedTypeIds, remapTypeIds } from './btf-remap.js';

export interface DedupResult {
  /** the surviving types, ids 1..n in order */
  types: BtfTypeDef[];
  /** old id -> new id (0 stays 0) */
  map: Int32Array;
}

/**
 * Merges structurally identical types (ids 1..n of `types`), the role libbpf's btf__dedup plays
 * at the end of linking, so every input's copy of `int` or `struct __sk_buff` becomes one. Two
 * types are identical when their own fields match and the types they refer to are identical in
 * turn, cycles included: the coarsest partition stable under that rule, found by refining classes
 * until no class splits (as DFA minimisation does). VARs are never merged: each is a distinct
 * variable. Unlike libbpf, a FWD is not resolved to the struct it declares.
 */
export function dedupTypes(types: readonly BtfTypeDef[]): DedupResult {
  const count = types.length;
  const unset = new Int32Array(count + 1).fill(-1);
  // Class 0 is void; a type's first class is its own fields with every reference blanked.
  const shallow = new Map<string, number>();
  let classes = new Int32Array(count + 1);
  types.forEach((type, index) => {
    const key =
      type.kind === 'VAR' ? `VAR#${index}` : JSON.stringify(remapTypeIds(type, unset), bigintAsText);
    let found = shallow.get(key);
    if (found === undefined) {
      found = shallow.size + 1;
      shallow.set(key, found);
    }
    classes[index + 1] = found;
  });
  const references = types.map(referencedTypeIds);
  let classCount = shallow.size;
  for (;;) {
    const refined = new Map<string, number>();
    const next = new Int32Array(count + 1);
    for (let id = 1; id <= count; id++) {
      let key = `${classes[id]}`;
      for (const ref of references[id - 1]!) key += `,${classes[ref] ?? 0}`;
      let found = refined.get(key);
      if (found === undefined) {
        found = refined.size + 1;
        refined.set(key, found);
      }
      next[id] = found;
    }
    classes = next;
    if (refined.size === classCount) break;
    classCount = refined.size;
  }
  // The first type of each class represents it; the survivors keep their relative order.
  const representative = new Map<number, number>();
  const map = new Int32Array(count + 1);
  const survivors: number[] = [];
  for (let id = 1; id <= count; id++) {
    const known = representative.get(classes[id]!);
    if (known !== undefined) {
      map[id] = known;
      continue;
    }
    survivors.push(id);
    representative.set(classes[id]!, survivors.length);
    map[id] = survivors.length;
  }
  return { types: survivors.map((id) => remapTypeIds(types[id - 1]!, map)), map };
}

/** ENUM64 values are bigints, which JSON cannot write as they are. */
function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
