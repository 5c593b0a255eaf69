import { BtfError } from '@bpfkit/core';
import { BtfKindNumber as K, KIND_NAMES, MAX_KIND } from './constants.js';

/** Where a type record lies; turns word indices back into byte offsets for error locations. */
export interface TypeSectionPlace {
  /** absolute byte offset of the type section */
  typeStart: number;
  firstId: number;
  /** total string table length (base included): every name offset must be below it */
  stringsLength: number;
  /** also check name offsets and referenced ids (otherwise only kinds and record bounds) */
  validate: boolean;
}

/** Words each kind takes after the 3-word btf_type. */
function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case K.INT:
    case K.VAR:
    case K.DECL_TAG:
      return 1;
    case K.ARRAY:
      return 3;
    case K.STRUCT:
    case K.UNION:
    case K.DATASEC:
    case K.ENUM64:
      return 3 * vlen;
    case K.ENUM:
    case K.FUNC_PROTO:
      return 2 * vlen;
    default:
      return 0;
  }
}

export interface TypeIndex {
  /** word index of each type's btf_type, in id order */
  offsets: Uint32Array;
  /** the largest type id any type refers to, and the word holding it */
  maxRef: number;
  maxRefWord: number;
}

/**
 * One pass over the type section: records where each type starts and checks that kinds are known
 * and records fit. With `validate` it also checks, as libbpf's btf_sanity_check and the kernel
 * do, that name offsets point into the string table and linkage values are known; referenced
 * type ids can only be checked once the count is known, so the pass returns the largest one for
 * the caller to compare. The offsets array is sized by what the section could hold (3 words per
 * type), never by a header count.
 */
export function indexTypes(words: Uint32Array, place: TypeSectionPlace): TypeIndex {
  const { stringsLength, firstId, validate } = place;
  const end = words.length;
  const offsets = new Uint32Array(Math.floor(end / 3));
  let count = 0;
  let maxRef = 0;
  let maxRefWord = 0;
  let pos = 0;
  const fail = (message: string, id: number, word: number, field: string, hint?: string): never => {
    const location = { typeId: id, byteOffset: place.typeStart + word * 4, field };
    throw new BtfError(message, hint === undefined ? { location } : { location, hint });
  };
  while (pos < end) {
    const id = firstId + count;
    if (pos + 3 > end) fail(`type section ends inside type ${id}`, id, pos, 'btf_type');
    const nameOff = words[pos]!;
    const info = words[pos + 1]!;
    const ref = words[pos + 2]!;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === 0 || kind > MAX_KIND) {
      fail(
        `unknown BTF kind ${kind}`,
        id,
        pos + 1,
        'info.kind',
        'the object may come from a newer compiler than this reader knows',
      );
    }
    const next = pos + 3 + extraWords(kind, vlen);
    if (next > end)
      fail(`${KIND_NAMES[kind]} with vlen ${vlen} runs past the type section`, id, pos + 1, 'info.vlen');
    offsets[count++] = pos;
    if (!validate) {
      pos = next;
      continue;
    }
    if (nameOff >= stringsLength)
      fail(`name offset ${nameOff} is past the string table`, id, pos, 'name_off');
    switch (kind) {
      case K.FUNC:
        if (vlen > 2) fail(`FUNC has unknown linkage ${vlen}`, id, pos + 1, 'info.vlen');
        if (ref > maxRef) {
          maxRef = ref;
          maxRefWord = pos + 2;
        }
        break;
      case K.VAR:
        if (words[pos + 3]! > 2) fail(`VAR has unknown linkage ${words[pos + 3]}`, id, pos + 3, 'linkage');
        if (ref > maxRef) {
          maxRef = ref;
          maxRefWord = pos + 2;
        }
        break;
      case K.PTR:
      case K.TYPEDEF:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
      case K.DECL_TAG:
      case K.FUNC_PROTO:
        if (ref > maxRef) {
          maxRef = ref;
          maxRefWord = pos + 2;
        }
        break;
      default:
        break;
    }
    switch (kind) {
      case K.ARRAY:
        for (let w = pos + 3; w < pos + 5; w++)
          if (words[w]! > maxRef) {
            maxRef = words[w]!;
            maxRefWord = w;
          }
        break;
      case K.STRUCT:
      case K.UNION:
      case K.FUNC_PROTO:
      case K.ENUM:
      case K.ENUM64: {
        // members (name, type, offset), params (name, type), enum values (name, value[, hi])
        const step = kind === K.STRUCT || kind === K.UNION || kind === K.ENUM64 ? 3 : 2;
        const hasType = kind !== K.ENUM && kind !== K.ENUM64;
        for (let w = pos + 3; w < next; w += step) {
          if (words[w]! >= stringsLength)
            fail(`name offset ${words[w]} is past the string table`, id, w, 'name_off');
          if (hasType && words[w + 1]! > maxRef) {
            maxRef = words[w + 1]!;
            maxRefWord = w + 1;
          }
        }
        break;
      }
      case K.DATASEC:
        for (let w = pos + 3; w < next; w += 3)
          if (words[w]! > maxRef) {
            maxRef = words[w]!;
            maxRefWord = w;
          }
        break;
      default:
        break;
    }
    pos = next;
  }
  return { offsets: offsets.slice(0, count), maxRef, maxRefWord };
}

/** The id of the type whose record holds word `word` (binary search over the offsets). */
export function typeAtWord(offsets: Uint32Array, firstId: number, word: number): number {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (offsets[mid]! <= word) low = mid;
    else high = mid - 1;
  }
  return firstId + low;
}
