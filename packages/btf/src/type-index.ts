import { pooledBytes } from '@bpfkit/core';
import {
  failKind,
  failTruncated,
  failVlen,
  RECORD_LAYOUT,
  recordWords,
  type TypeSectionPlace,
} from './type-records.js';
import { indexAndValidateTypes, primeValidationWalk } from './type-validate.js';

/** Types per group: a kernel's BTF keeps the word index of every 32nd type, 16 KB in all. */
const GROUP_SHIFT = 5;
const GROUP = 1 << GROUP_SHIFT;
/** A section this short indexes every type in 16 bits with no base (object BTF, nearly always). */
const SHORT_SECTION_WORDS = 0x10000;
/** bases for a short section: never written, shared (its types number fewer than its words) */
const NO_BASES = new Uint32Array(SHORT_SECTION_WORDS / GROUP);
/** the filled marks of a short section, whose index is complete from the start: shared */
const ALL_FILLED = new Uint8Array(SHORT_SECTION_WORDS / GROUP).fill(1);

/**
 * Offsets are gathered in a kept array, grown to the largest section seen up to KEPT_MOST entries
 * (a kernel's BTF needs about 270,000: 1 MB kept for the process), then packed into a TypeIndex.
 */
const KEPT_MOST = 1 << 20;
let scratch = new Uint32Array(1 << 14);

/**
 * Where each type's btf_type starts, as a word index into the type section: type k (0-based, in
 * id order) starts at `bases[k >>> GROUP_SHIFT] + starts[k]`.
 *
 * A kernel's BTF (about 126,000 types) keeps only `bases` from the parse. `starts` is allocated
 * at the first lookup and filled one group of 32 types at a time, by walking the group from its
 * base, when a type of the group is first asked for. Fresh memory is what a parse pays most for
 * on a guest where each page fault costs microseconds, and most users of the kernel's BTF look at
 * a few thousand of its types. libbpf's type_offs, 4 bytes a type, comes back warm from malloc
 * between btf__parse calls; a new 250 KB array here would not: allocated at parse, even untouched,
 * it cost a structural parse of vmlinux 0.8 ms in the bench's loop of parses.
 */
export class TypeIndex {
  /** the number of types */
  readonly count: number;
  readonly #words: Uint32Array;
  readonly #bases: Uint32Array;
  /** per group: 1 once its `starts` are filled */
  readonly #filled: Uint8Array;
  readonly #wide: boolean;
  #starts: Uint16Array | Uint32Array | undefined;
  /** a short section's complete starts (its bases are all 0): one load a lookup */
  readonly #flat: Uint16Array | undefined;
  /** the 0-based number of each DATASEC, when the validating walk gathered them */
  readonly datasecs: readonly number[] | undefined;

  /** @internal use indexTypes */
  constructor(
    words: Uint32Array,
    count: number,
    bases: Uint32Array,
    starts: Uint16Array | undefined,
    wide: boolean,
    datasecs?: readonly number[],
  ) {
    this.count = count;
    this.datasecs = datasecs;
    this.#words = words;
    this.#bases = bases;
    this.#starts = starts;
    this.#flat = starts;
    this.#wide = wide;
    this.#filled = starts ? ALL_FILLED : new Uint8Array((count + GROUP - 1) >>> GROUP_SHIFT);
  }

  /** Word index of type `k`'s btf_type (k: its id less the first id, below count). */
  start(k: number): number {
    const flat = this.#flat;
    if (flat !== undefined) return flat[k]!;
    const group = k >>> GROUP_SHIFT;
    if (this.#filled[group] === 0) this.#fill(group);
    return this.#bases[group]! + this.#starts![k]!;
  }

  /** Walks group `group` from its base; the parse checked every record it steps over. */
  #fill(group: number): void {
    const count = this.count;
    this.#starts ??= this.#wide ? new Uint32Array(count) : new Uint16Array(count);
    const starts = this.#starts;
    const words = this.#words;
    const base = this.#bases[group]!;
    const first = group << GROUP_SHIFT;
    const last = Math.min(first + GROUP, count);
    let pos = base;
    for (let k = first; k < last; k++) {
      starts[k] = pos - base;
      pos += recordWords(words, pos);
    }
    this.#filled[group] = 1;
  }
}

/**
 * The type index, after checking that every kind is known and every record fits (all libbpf
 * 1.1's btf__parse checks); with `validate`, also names, linkage and references, in the same
 * single walk. The section is walked once: a second walk costs more than it saves, since each
 * record's length depends on the word before. The walk writes into the kept array (warm memory).
 */
export function indexTypes(words: Uint32Array, place: TypeSectionPlace): TypeIndex {
  const most = Math.floor(words.length / 3);
  if (scratch.length < most && most <= KEPT_MOST) scratch = new Uint32Array(most);
  const bound = scratch.length >= most ? scratch : new Uint32Array(most);
  if (place.validate && words.length > SHORT_SECTION_WORDS) primeValidationWalk();
  // the validating walk notes each DATASEC as it passes: an open asks for them (ownIdsOfKind)
  const datasecs: number[] | undefined = place.validate ? [] : undefined;
  const count = place.validate
    ? indexAndValidateTypes(words, bound, place, datasecs)
    : indexRecords(words, bound, place);
  return packIndex(words, bound, count, datasecs);
}

/** A TypeIndex over the first `count` word indices of `offsets`. */
function packIndex(
  words: Uint32Array,
  offsets: Uint32Array,
  count: number,
  datasecs: readonly number[] | undefined,
): TypeIndex {
  if (words.length <= SHORT_SECTION_WORDS) {
    // an object's BTF: a few hundred types, so the index takes a pooled range, not an ArrayBuffer
    const range = pooledBytes(count * 2);
    const starts = new Uint16Array(range.buffer, range.byteOffset, count);
    for (let k = 0; k < count; k++) starts[k] = offsets[k]!;
    return new TypeIndex(words, count, NO_BASES, starts, false, datasecs);
  }
  const bases = new Uint32Array((count + GROUP - 1) >>> GROUP_SHIFT);
  let widest = 0;
  for (let group = 0; group < bases.length; group++) {
    const first = group << GROUP_SHIFT;
    bases[group] = offsets[first]!;
    const last = Math.min(first + GROUP, count) - 1;
    widest = Math.max(widest, offsets[last]! - offsets[first]!);
  }
  // a group holding a struct or enum of some 20,000 members spans more than 16 bits
  return new TypeIndex(words, count, bases, undefined, widest > 0xffff, datasecs);
}

/** The structural walk: fills `offsets` and returns the number of types. */
function indexRecords(words: Uint32Array, offsets: Uint32Array, place: TypeSectionPlace): number {
  const end = words.length;
  let pos = 0;
  let count = 0;
  while (pos < end) {
    if (pos + 3 > end) failTruncated(place, count, pos);
    const info = words[pos + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const layout = RECORD_LAYOUT[kind]!;
    if (layout === 0) failKind(place, count, pos, kind);
    // most types are a bare btf_type: a branch the CPU predicts lets it run ahead to the next one
    let next = pos + 3;
    if (layout !== 3) next += (layout & 0xf) - 3 + (layout >>> 4) * (info & 0xffff);
    if (next > end) failVlen(place, count, pos, info);
    offsets[count++] = pos;
    pos = next;
  }
  return count;
}
