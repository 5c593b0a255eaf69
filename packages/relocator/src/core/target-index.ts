import type { Btf, BtfKind } from '@bpfkit/btf';
import { essentialNameLength } from './essential-name.js';

const UNDERSCORE = 0x5f;

/** libbpf's btf_kind_core_compat: the same kind, or ENUM against ENUM64. */
export function kindsCoreCompatible(a: BtfKind | 'VOID', b: BtfKind | 'VOID'): boolean {
  return a === b || ((a === 'ENUM' || a === 'ENUM64') && (b === 'ENUM' || b === 'ENUM64'));
}

/** FNV-1a over the first `length` units of a name (BTF names are ASCII identifiers). */
function hashString(name: string, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The same hash over the essential part of the NUL-terminated name at `start`, read in place. */
function hashEssentialCString(bytes: Uint8Array, start: number): number {
  let end = start;
  while (bytes[end] !== 0 && end < bytes.length) end++;
  // bpf_core_essential_name_len on bytes: the last "X___Y" ends the essential part.
  let stop = end;
  for (let i = end - 5; i >= start; i--) {
    if (
      bytes[i] !== UNDERSCORE &&
      bytes[i + 1] === UNDERSCORE &&
      bytes[i + 2] === UNDERSCORE &&
      bytes[i + 3] === UNDERSCORE &&
      bytes[i + 4] !== UNDERSCORE
    ) {
      stop = i + 1;
      break;
    }
  }
  let hash = 0x811c9dc5;
  for (let i = start; i < stop; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/**
 * Kinds left out of the index: FUNC, VAR, DATASEC, DECL_TAG (in vmlinux ~57k of the ~71k named
 * types, 56k of them FUNCs). No CO-RE access roots at them in practice; a candidate search for
 * one of these kinds scans the types instead, as libbpf always does.
 */
const UNINDEXED_KINDS: ReadonlySet<BtfKind> = new Set(['FUNC', 'VAR', 'DATASEC', 'DECL_TAG']);

function isIndexedKind(kind: number): boolean {
  return kind !== 12 && kind !== 14 && kind !== 15 && kind !== 17;
}

/**
 * The target BTF's types by essential name ("task_struct___v2" is filed under "task_struct"),
 * for CO-RE candidate search. libbpf's bpf_core_add_cands scans every target type for each local
 * root type; this index is built once per target BTF and shared by every relocation of every
 * object in the process. It is a chained hash table in Int32Arrays whose keys are hashed
 * where the names lie in the string table, so building it decodes no string (vmlinux: ~126k
 * types in a few ms) and it keeps none: a lookup re-reads the few names of one bucket.
 * Split BTF (a module on vmlinux) indexes its own types and asks its base's index for the rest.
 */
export class TargetIndex {
  readonly btf: Btf;
  /** per bucket, the first slot of its chain (-1: empty) */
  readonly #heads: Int32Array;
  /** per slot, the next slot of the same chain (-1: end) and the type id it holds */
  readonly #next: Int32Array;
  readonly #ids: Int32Array;
  readonly #mask: number;

  /** Use buildTargetIndex, which memoizes per Btf. */
  constructor(btf: Btf) {
    this.btf = btf;
    const { words, stringsBase } = btf;
    const strings = btf.stringBytes;
    // the named types of indexed kinds (vmlinux: ~14k of ~126k types), in id order
    const ids: number[] = [];
    const nameOffsets: number[] = [];
    btf.forEachOwnType((id, at) => {
      const nameOff = words[at]!;
      if (nameOff !== 0 && isIndexedKind((words[at + 1]! >>> 24) & 0x1f)) {
        ids.push(id);
        nameOffsets.push(nameOff);
      }
    });
    const count = ids.length;
    let buckets = 16;
    while (buckets < count) buckets *= 2;
    this.#mask = buckets - 1;
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#next = new Int32Array(count);
    this.#ids = Int32Array.from(ids);
    // Inserted from the last id back, so every chain lists ids in ascending order (the order
    // libbpf finds candidates in).
    for (let slot = count - 1; slot >= 0; slot--) {
      const nameOff = nameOffsets[slot]!;
      const hash =
        nameOff >= stringsBase
          ? hashEssentialCString(strings, nameOff - stringsBase)
          : hashOfName(btf.name(nameOff));
      const bucket = hash & this.#mask;
      this.#next[slot] = this.#heads[bucket]!;
      this.#heads[bucket] = slot;
    }
  }

  /**
   * Ids of the target types whose essential name equals the essential name of `name` and whose
   * kind is CO-RE compatible with `kind` (libbpf's bpf_core_add_cands), in ascending id order.
   */
  candidates(name: string, kind: BtfKind): number[] {
    const length = essentialNameLength(name);
    if (length === 0) return [];
    const ids = this.btf.base ? buildTargetIndex(this.btf.base).candidates(name, kind) : [];
    const prefix = name.slice(0, length);
    const first = this.btf.firstTypeId;
    const matches = (id: number): boolean => {
      const other = this.btf.typeName(id);
      return essentialNameLength(other) === length && other.startsWith(prefix);
    };
    if (UNINDEXED_KINDS.has(kind)) {
      for (let id = first; id <= this.btf.typeCount; id++) {
        if (this.btf.kindOf(id) === kind && this.btf.nameOffsetOf(id) !== 0 && matches(id)) ids.push(id);
      }
      return ids;
    }
    for (
      let slot = this.#heads[hashString(name, length) & this.#mask]!;
      slot >= 0;
      slot = this.#next[slot]!
    ) {
      const id = this.#ids[slot]!;
      if (matches(id) && kindsCoreCompatible(this.btf.kindOf(id), kind)) ids.push(id);
    }
    return ids;
  }
}

function hashOfName(name: string): number {
  return hashString(name, essentialNameLength(name));
}

const indexes = new WeakMap<Btf, TargetIndex>();

/** The candidate index of a target BTF, built on first use and kept as long as the Btf lives. */
export function buildTargetIndex(btf: Btf): TargetIndex {
  let index = indexes.get(btf);
  if (!index) {
    index = new TargetIndex(btf);
    indexes.set(btf, index);
  }
  return index;
}
