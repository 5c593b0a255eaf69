import { BtfKindNumber as K } from './constants.js';
import {
  failAt,
  failKind,
  failTruncated,
  failVlen,
  layoutWords,
  RECORD_LAYOUT,
  recordWords,
  type TypeSectionPlace,
} from './type-records.js';

/**
 * What a record holds beyond its btf_type, as far as validation cares, by kind. The walk switches
 * on these numbers as literals, which V8 turns into a jump table; `case K.FUNC:` would cost a
 * property load and a compare per case in the interpreter, where a process's first parse spends
 * most of its time. Kinds share a shape where they can, so that every branch has run before V8
 * optimizes the walk: vmlinux's first FUNC comes after 45,000 types and its first DECL_TAG after
 * 48,000, and code that has never run makes optimized code bail out when it first does.
 */
// 0 (PLAIN): INT, FWD, FLOAT, nothing named or referenced; the default in WALK
const REF = 1; // PTR, TYPEDEF, modifiers, tags, FUNC: the third word is a type id
const VAR = 2; // a type id, and a linkage word
const ARRAY = 3; // btf_array: element and index type ids
const MEMBERS = 4; // STRUCT, UNION: btf_member records
const PARAMS = 5; // FUNC_PROTO: a return type id and btf_param records
const VALUES = 6; // ENUM, ENUM64: btf_enum and btf_enum64 records
const SECINFO = 7; // DATASEC: btf_var_secinfo records

/** RECORD_LAYOUT with each kind's shape above it (layout | shape << 8): one load per type. */
const WALK = Uint16Array.from(RECORD_LAYOUT);
const shape = (kinds: number[], value: number) => {
  for (const kind of kinds) WALK[kind]! |= value << 8;
};
shape([K.PTR, K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.TYPE_TAG, K.DECL_TAG, K.FUNC], REF);
shape([K.VAR], VAR);
shape([K.ARRAY], ARRAY);
shape([K.STRUCT, K.UNION], MEMBERS);
shape([K.FUNC_PROTO], PARAMS);
shape([K.ENUM, K.ENUM64], VALUES);
shape([K.DATASEC], SECINFO);

/**
 * indexTypes' walk with the checks libbpf's btf_sanity_check and the kernel make beyond
 * structure: name offsets inside the string table, known linkage, referenced ids no higher than
 * the last type. Done in the same walk, because the walk itself (each record's length read from
 * the word before) costs as much as the checks. Valid BTF (nearly all of it) pays no branch per
 * field: a name offset n is inside the table when both n and lastName - n are non-negative as
 * int32, so the walk ORs those into one word and tests its sign once at the end; referenced ids
 * keep their maximum, since the last id is known only then. Anything wrong sends it to
 * checkTypesOneByOne, which walks again with a check per field to say where. Fills `offsets`
 * (and `datasecs`, when given, with the 0-based number of each DATASEC) and returns the number of
 * types.
 */
export function indexAndValidateTypes(
  words: Uint32Array,
  offsets: Uint32Array,
  place: TypeSectionPlace,
  datasecs?: number[],
): number {
  // the sign test holds for tables below 2 GiB: any other takes the checked walk
  if (place.stringsLength > 0x8000_0000) {
    const count = checkTypesOneByOne(words, offsets, place);
    for (let k = 0; k < count && datasecs; k++) {
      if (((words[offsets[k]! + 1]! >>> 24) & 0x1f) === K.DATASEC) datasecs.push(k);
    }
    return count;
  }
  const lastName = place.stringsLength - 1;
  const end = words.length;
  let pos = 0;
  let count = 0;
  let nameSigns = 0;
  let maxRef = 0;
  let badLinkage = false;
  while (pos < end) {
    if (pos + 3 > end) return failedFastWalk(words, offsets, place);
    const info = words[pos + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const walk = WALK[kind]!;
    if (walk === 0) return failedFastWalk(words, offsets, place);
    const vlen = info & 0xffff;
    // most types are a bare btf_type: a branch the CPU predicts lets it run ahead to the next one
    let next = pos + 3;
    if ((walk & 0xff) !== 3) next += (walk & 0xf) - 3 + ((walk >>> 4) & 0xf) * vlen;
    if (next > end) return failedFastWalk(words, offsets, place);
    offsets[count++] = pos;
    const name = words[pos]!;
    nameSigns |= (lastName - name) | name;
    switch (walk >>> 8) {
      case 1: {
        // REF; a FUNC's vlen is its linkage, other kinds here have vlen 0
        const ref = words[pos + 2]!;
        maxRef = Math.max(ref, maxRef);
        if (vlen > 2 && kind === K.FUNC) badLinkage = true;
        break;
      }
      case 2: {
        // VAR
        const ref = words[pos + 2]!;
        maxRef = Math.max(ref, maxRef);
        if (words[pos + 3]! > 2) badLinkage = true;
        break;
      }
      case 3: {
        // ARRAY: element and index types
        const element = words[pos + 3]!;
        const index = words[pos + 4]!;
        maxRef = Math.max(element, maxRef);
        maxRef = Math.max(index, maxRef);
        break;
      }
      case 4: // MEMBERS: name, type, offset
        for (let w = pos + 3; w < next; w += 3) {
          const member = words[w]!;
          const type = words[w + 1]!;
          nameSigns |= (lastName - member) | member;
          maxRef = Math.max(type, maxRef);
        }
        break;
      case 5: {
        // PARAMS: the return type, then name, type
        const returned = words[pos + 2]!;
        maxRef = Math.max(returned, maxRef);
        for (let w = pos + 3; w < next; w += 2) {
          const param = words[w]!;
          const type = words[w + 1]!;
          nameSigns |= (lastName - param) | param;
          maxRef = Math.max(type, maxRef);
        }
        break;
      }
      case 6: {
        // VALUES: btf_enum (name, value) or btf_enum64 (name, lo, hi)
        const step = (walk >>> 4) & 0xf;
        for (let w = pos + 3; w < next; w += step) {
          const value = words[w]!;
          nameSigns |= (lastName - value) | value;
        }
        break;
      }
      case 7: // SECINFO: type, offset, size
        for (let w = pos + 3; w < next; w += 3) {
          const type = words[w]!;
          maxRef = Math.max(type, maxRef);
        }
        // DATASEC is the only kind here: an open asks for them, and here they cost no walk
        datasecs?.push(count - 1);
        break;
    }
    pos = next;
  }
  if (badLinkage || nameSigns < 0 || maxRef > place.firstId - 1 + count) {
    return failedFastWalk(words, offsets, place);
  }
  return count;
}

/**
 * A type section with one record of every known kind, each all zeros past its kind and vlen of 1
 * where the kind has entries (void references, the empty name: valid), and its place.
 */
export function sampleOfEveryKind(): { words: Uint32Array; place: TypeSectionPlace } {
  const records: number[] = [];
  for (let kind = 0; kind < RECORD_LAYOUT.length; kind++) {
    const layout = RECORD_LAYOUT[kind]!;
    if (layout === 0) continue;
    const vlen = layout >>> 4 === 0 ? 0 : 1;
    records.push(0, (kind << 24) | vlen, 0);
    for (let w = 3; w < layoutWords(layout, vlen); w++) records.push(0);
  }
  return {
    words: Uint32Array.from(records),
    place: { typeStart: 0, firstId: 1, stringsLength: 1, validate: true },
  };
}

let primed = false;

/**
 * Walks a sample of every kind a few times before a process's first long section (the kernel's
 * BTF), so that every branch of the walk has recorded type feedback before V8 optimizes it in the
 * middle of that section. Otherwise the optimized walk bails out at vmlinux's first VAR (type
 * 3,929), which the walk had not met when V8 compiled it, and the first parse ran unoptimized
 * again for as long as V8 took to compile it a second time (about 8 ms, in a 20 ms parse here).
 */
export function primeValidationWalk(): void {
  if (primed) return;
  primed = true;
  const { words, place } = sampleOfEveryKind();
  const offsets = new Uint32Array(words.length);
  // V8 gives a function its feedback vector after a few calls; these calls pass that point
  for (let round = 0; round < 12; round++) indexAndValidateTypes(words, offsets, place);
}

/** The checked walk after the fast one found a problem: it throws where; returning would be a bug. */
function failedFastWalk(words: Uint32Array, offsets: Uint32Array, place: TypeSectionPlace): never {
  checkTypesOneByOne(words, offsets, place);
  throw new Error('BTF validation: the walk without branches failed but no check did'); // unreachable
}

/**
 * The same checks, one branch per field, throwing at the first problem in type order (names and
 * linkage before references): what a failed fast walk runs to say where. Fills `offsets` and
 * returns the number of types when every check passes.
 */
function checkTypesOneByOne(words: Uint32Array, offsets: Uint32Array, place: TypeSectionPlace): number {
  const { stringsLength } = place;
  const end = words.length;
  let pos = 0;
  let count = 0;
  let maxRef = 0;
  let maxRefType = 0;
  while (pos < end) {
    if (pos + 3 > end) failTruncated(place, count, pos);
    const info = words[pos + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const walk = WALK[kind]!;
    if (walk === 0) failKind(place, count, pos, kind);
    const vlen = info & 0xffff;
    // most types are a bare btf_type: a branch the CPU predicts lets it run ahead to the next one
    let next = pos + 3;
    if ((walk & 0xff) !== 3) next += (walk & 0xf) - 3 + ((walk >>> 4) & 0xf) * vlen;
    if (next > end) failVlen(place, count, pos, info);
    if (words[pos]! >= stringsLength) failName(place, count, words, pos);
    // the largest type id this record refers to (0, void, when none)
    let ref = 0;
    switch (walk >>> 8) {
      case 1: // REF
        // a FUNC's vlen is its linkage; other kinds here have vlen 0
        if (vlen > 2 && kind === K.FUNC) failLinkage(place, count, pos + 1, 'info.vlen', 'FUNC', vlen);
        ref = words[pos + 2]!;
        break;
      case 2: // VAR
        if (words[pos + 3]! > 2) failLinkage(place, count, pos + 3, 'linkage', 'VAR', words[pos + 3]!);
        ref = words[pos + 2]!;
        break;
      case 3: // ARRAY
        ref = Math.max(words[pos + 3]!, words[pos + 4]!);
        break;
      case 4: // MEMBERS
        ref = checkMembers(words, pos, next, place, count);
        break;
      case 5: // PARAMS
        ref = checkParams(words, pos, next, place, count);
        break;
      case 6: // VALUES
        checkValueNames(words, pos, next, (walk >>> 4) & 0xf, place, count);
        break;
      case 7: // SECINFO
        ref = largestSecinfoType(words, pos, next);
        break;
    }
    if (ref > maxRef) {
      maxRef = ref;
      maxRefType = count;
    }
    offsets[count] = pos;
    pos = next;
    count++;
  }
  checkLargestRef(words, offsets, count, maxRef, maxRefType, place);
  return count;
}

/** STRUCT/UNION: btf_member records (name, type, offset); returns the largest member type. */
function checkMembers(
  words: Uint32Array,
  pos: number,
  next: number,
  place: TypeSectionPlace,
  index: number,
): number {
  const { stringsLength } = place;
  let max = 0;
  for (let w = pos + 3; w < next; w += 3) {
    if (words[w]! >= stringsLength) failName(place, index, words, w);
    const type = words[w + 1]!;
    if (type > max) max = type;
  }
  return max;
}

/** FUNC_PROTO: the return type, then btf_param records (name, type); returns the largest type. */
function checkParams(
  words: Uint32Array,
  pos: number,
  next: number,
  place: TypeSectionPlace,
  index: number,
): number {
  const { stringsLength } = place;
  let max = words[pos + 2]!;
  for (let w = pos + 3; w < next; w += 2) {
    if (words[w]! >= stringsLength) failName(place, index, words, w);
    const type = words[w + 1]!;
    if (type > max) max = type;
  }
  return max;
}

/** ENUM and ENUM64: btf_enum (name, value) and btf_enum64 (name, lo, hi) records, names only. */
function checkValueNames(
  words: Uint32Array,
  pos: number,
  next: number,
  step: number,
  place: TypeSectionPlace,
  index: number,
): void {
  const { stringsLength } = place;
  for (let w = pos + 3; w < next; w += step) {
    if (words[w]! >= stringsLength) failName(place, index, words, w);
  }
}

/** DATASEC: btf_var_secinfo records (type, offset, size); returns the largest type. */
function largestSecinfoType(words: Uint32Array, pos: number, next: number): number {
  let max = 0;
  for (let w = pos + 3; w < next; w += 3) {
    const type = words[w]!;
    if (type > max) max = type;
  }
  return max;
}

/** The words of a record that hold type ids, in order. */
function refWords(words: Uint32Array, pos: number): number[] {
  const info = words[pos + 1]!;
  const walk = WALK[(info >>> 24) & 0x1f]!;
  const next = pos + recordWords(words, pos);
  const found: number[] = [];
  switch (walk >>> 8) {
    case REF:
    case VAR:
      found.push(pos + 2);
      break;
    case ARRAY:
      found.push(pos + 3, pos + 4);
      break;
    case MEMBERS:
      for (let w = pos + 3; w < next; w += 3) found.push(w + 1);
      break;
    case PARAMS:
      found.push(pos + 2);
      for (let w = pos + 3; w < next; w += 2) found.push(w + 1);
      break;
    case SECINFO:
      for (let w = pos + 3; w < next; w += 3) found.push(w);
      break;
  }
  return found;
}

/** Referenced ids, checked once the walk has counted the types; reported where the largest first appears. */
function checkLargestRef(
  words: Uint32Array,
  offsets: Uint32Array,
  count: number,
  maxRef: number,
  maxRefType: number,
  place: TypeSectionPlace,
): void {
  const lastId = place.firstId - 1 + count;
  if (maxRef <= lastId) return;
  const word = refWords(words, offsets[maxRefType]!).find((w) => words[w] === maxRef)!;
  const message = `type ${place.firstId + maxRefType} refers to type ${maxRef}, but the last type is ${lastId}`;
  failAt(place, maxRefType, word, 'type', message);
}

function failLinkage(
  place: TypeSectionPlace,
  index: number,
  word: number,
  field: string,
  kind: string,
  linkage: number,
): never {
  failAt(place, index, word, field, `${kind} has unknown linkage ${linkage}`);
}

function failName(place: TypeSectionPlace, index: number, words: Uint32Array, word: number): never {
  failAt(place, index, word, 'name_off', `name offset ${words[word]} is past the string table`);
}
