import { failKind, failTruncated, failVlen, RECORD_LAYOUT, type TypeSectionPlace } from './type-records.js';
import { indexAndValidateTypes } from './type-validate.js';

/**
 * Offsets are gathered in a kept array, grown to the largest section seen up to KEPT_MOST entries
 * (a kernel's BTF needs about 270,000: 1 MB kept for the process), then copied out at their count.
 */
const KEPT_MOST = 1 << 20;
let scratch = new Uint32Array(1 << 14);

/**
 * The word index of each type's btf_type, in id order, after checking that every kind is known
 * and every record fits (all libbpf 1.1's btf__parse checks); with `validate`, also names, linkage
 * and references, in the same single walk. The section is walked once: a second walk costs more
 * than it saves, since each record's length depends on the word before. The kept array is sized
 * for the most types the section could hold (3 words each): a kernel's BTF then costs one exact
 * copy per parse, not a fresh 2 MB array whose allocation V8 answers with a young-generation GC.
 */
export function indexTypes(words: Uint32Array, place: TypeSectionPlace): Uint32Array {
  const most = Math.floor(words.length / 3);
  if (scratch.length < most && most <= KEPT_MOST) scratch = new Uint32Array(most);
  const bound = scratch.length >= most ? scratch : new Uint32Array(most);
  const count = place.validate
    ? indexAndValidateTypes(words, bound, place)
    : indexRecords(words, bound, place);
  return bound.slice(0, count);
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
