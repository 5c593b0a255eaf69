import { pooledBytes } from '@bpfkit/core';
import { failKind, failTruncated, failVlen, RECORD_LAYOUT, type TypeSectionPlace } from './type-records.js';
import { indexAndValidateTypes } from './type-validate.js';

/**
 * Where each type's btf_type starts, as a word index into the type section: type k (0-based, in
 * id order) starts at `bases[k >>> GROUP_SHIFT] + starts[k]`. Two bytes a type rather than four:
 * the index is a parse's one allocation that grows with the BTF (a kernel's: about 126,000 types),
 * and fresh memory is what a parse pays most for on a guest where each page fault costs ~9 µs
 * (libbpf's type_offs comes back warm from malloc between btf__parse calls).
 */
export interface TypeOffsets {
  /** the word index of every GROUP-th type; all zeros when `starts` holds whole word indices */
  readonly bases: Uint32Array;
  /** each type's word index less its group's base: 16 bits unless some group spans more */
  readonly starts: Uint16Array | Uint32Array;
}

/** Types per group of `bases`: 32 types of a kernel's BTF span a few hundred words. */
export const GROUP_SHIFT = 5 as const;
const GROUP = 1 << GROUP_SHIFT;
/** A section this short indexes every type in 16 bits with no base (object BTF, nearly always). */
const SHORT_SECTION_WORDS = 0x10000;
/** bases for a short section: never written, shared (its types number fewer than its words) */
const NO_BASES = new Uint32Array(SHORT_SECTION_WORDS / GROUP);

/**
 * Offsets are gathered in a kept array, grown to the largest section seen up to KEPT_MOST entries
 * (a kernel's BTF needs about 270,000: 1 MB kept for the process), then packed into TypeOffsets.
 */
const KEPT_MOST = 1 << 20;
let scratch = new Uint32Array(1 << 14);

/**
 * The start of each type's btf_type, in id order, after checking that every kind is known and
 * every record fits (all libbpf 1.1's btf__parse checks); with `validate`, also names, linkage
 * and references, in the same single walk. The section is walked once: a second walk costs more
 * than it saves, since each record's length depends on the word before. The walk writes into the
 * kept array (warm memory); only the packed index is new.
 */
export function indexTypes(words: Uint32Array, place: TypeSectionPlace): TypeOffsets {
  const most = Math.floor(words.length / 3);
  if (scratch.length < most && most <= KEPT_MOST) scratch = new Uint32Array(most);
  const bound = scratch.length >= most ? scratch : new Uint32Array(most);
  const count = place.validate
    ? indexAndValidateTypes(words, bound, place)
    : indexRecords(words, bound, place);
  return packOffsets(bound, count, words.length);
}

/** TypeOffsets of the first `count` word indices of `offsets`. */
function packOffsets(offsets: Uint32Array, count: number, sectionWords: number): TypeOffsets {
  if (sectionWords <= SHORT_SECTION_WORDS) {
    // an object's BTF: a few hundred types, so the index takes a pooled range, not an ArrayBuffer
    const range = pooledBytes(count * 2);
    const starts = new Uint16Array(range.buffer, range.byteOffset, count);
    for (let k = 0; k < count; k++) starts[k] = offsets[k]!;
    return { bases: NO_BASES, starts };
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
  const starts = widest <= 0xffff ? new Uint16Array(count) : new Uint32Array(count);
  const shift = GROUP_SHIFT; // read once: an exported constant is loaded from its cell at each use
  for (let k = 0; k < count; k++) starts[k] = offsets[k]! - bases[k >>> shift]!;
  return { bases, starts };
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
