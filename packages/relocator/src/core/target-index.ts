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

/** Words a type record takes after its 3-word header (struct btf_type), by kind number and vlen. */
function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 1;
    case 3: // ARRAY
      return 3;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return 3 * vlen;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return 2 * vlen;
    default:
      return 0;
  }
}

/**
 * The target BTF's types by essential name ("task_struct___v2" is filed under "task_struct"),
 * for CO-RE candidate search. libbpf's bpf_core_add_cands scans every target type for each local
 * root type; this index is built once per target BTF and shared by every relocation of every
 * object in the process. It is a chained hash table in two Int32Arrays whose keys are hashed
 * where the names lie in the string table, so building it decodes no string (vmlinux: ~126k
 * types in a few ms) and it keeps none: a lookup re-reads the few names of one bucket.
 * Split BTF (a module on vmlinux) indexes its own types and asks its base's index for the rest.
 */
export class TargetIndex {
  readonly btf: Btf;
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #mask: number;

  /** Use buildTargetIndex, which memoizes per Btf. */
  constructor(btf: Btf) {
    this.btf = btf;
    const count = btf.typeCount - btf.firstTypeId + 1;
    let buckets = 16;
    while (buckets < count) buckets *= 2;
    this.#mask = buckets - 1;
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#next = new Int32Array(count).fill(-1);
    const { words, stringsBase } = btf;
    const strings = btf.stringBytes;
    // Type record starts in id order, then insertion from the last id back, so every chain
    // lists ids in ascending order (the order libbpf finds candidates in).
    const starts = new Int32Array(count);
    for (let i = 0, at = 0; i < count; i++) {
      starts[i] = at;
      const info = words[at + 1]!;
      at += 3 + extraWords((info >>> 24) & 0x1f, info & 0xffff);
    }
    for (let i = count - 1; i >= 0; i--) {
      const nameOff = words[starts[i]!]!;
      if (nameOff === 0) continue;
      const hash =
        nameOff >= stringsBase
          ? hashEssentialCString(strings, nameOff - stringsBase)
          : hashOfName(btf.name(nameOff));
      const bucket = hash & this.#mask;
      this.#next[i] = this.#heads[bucket]!;
      this.#heads[bucket] = i;
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
    for (let i = this.#heads[hashString(name, length) & this.#mask]!; i >= 0; i = this.#next[i]!) {
      const id = first + i;
      const other = this.btf.typeName(id);
      if (essentialNameLength(other) !== length || !other.startsWith(prefix)) continue;
      if (kindsCoreCompatible(this.btf.kindOf(id), kind)) ids.push(id);
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
