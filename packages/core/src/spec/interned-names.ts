// One decoder for every caller: constructing a TextDecoder per string costs more than decoding.
const utf8 = new TextDecoder();

/** Most names are short; longer ones are decoded without the cache. */
const INTERNED_MAX_LENGTH = 64;
/** Sets of the cache (a power of two): a name's hash picks its set of two slots. */
const INTERNED_SETS = 8192;

/** A decoded name with its bytes as the scan reads them, so a lookup compares a few words. */
interface InternedName {
  readonly text: string;
  /** the name's whole 4-byte words, then its last 0–3 bytes packed into one more */
  readonly words: Int32Array;
}

/**
 * The cache, two-way set-associative: a name's hash picks a set of two slots; a new name takes
 * the first and moves the first's name to the second, dropping the second's. Preallocated, so the
 * array keeps fast elements however it fills.
 */
const interned: (InternedName | undefined)[] = new Array(2 * INTERNED_SETS).fill(undefined);
/** The words of the name being scanned. */
const scanned = new Int32Array(INTERNED_MAX_LENGTH / 4 + 1);

/**
 * The NUL-terminated name at `start` of a string table (ELF SHT_STRTAB, BTF's string section),
 * decoded once per process: the same names (.text, .maps, license, helper, map and type names)
 * recur in every object, and a lookup hashes and compares the bytes where decoding allocates a
 * string. The scan reads four bytes at a time (`view` is over `data`) until a word holds the NUL
 * or a non-ASCII byte, hashing as it goes; a cached name is confirmed by comparing those words.
 * Long or non-ASCII names go to TextDecoder. Undefined when no NUL follows `start`.
 */
export function decodeInternedName(data: Uint8Array, view: DataView, start: number): string | undefined {
  const limit = Math.min(data.length, start + INTERNED_MAX_LENGTH + 1);
  let hash = 0;
  let count = 0;
  let i = start;
  for (; i + 4 <= limit; i += 4) {
    const word = view.getInt32(i, true);
    // a zero byte, or a byte with its top bit set: finish this word a byte at a time
    if ((((word - 0x01010101) & ~word) | word) & 0x80808080) break;
    scanned[count++] = word;
    hash = Math.imul(hash ^ word, 0x01000193);
  }
  let tail = 0;
  for (let shift = 0; i < limit; i++, shift += 8) {
    const c = data[i]!;
    if (c === 0) break;
    if (c >= 0x80) return decodeLong(data, start);
    tail |= c << shift;
  }
  if (i === limit) return decodeLong(data, start);
  scanned[count++] = tail;
  const length = i - start;
  // the multiplies mix bits upwards only: fold the high bits down before taking the slot
  hash = (Math.imul(hash ^ tail, 0x01000193) + length) | 0;
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  const slot = ((hash ^ (hash >>> 13)) & (INTERNED_SETS - 1)) << 1;
  const first = interned[slot];
  if (first !== undefined && first.text.length === length && sameWords(first.words, count)) return first.text;
  const second = interned[slot + 1];
  if (second !== undefined && second.text.length === length && sameWords(second.words, count))
    return second.text;
  let text = '';
  for (let j = start; j < i; j++) text += String.fromCharCode(data[j]!);
  interned[slot + 1] = first;
  interned[slot] = { text, words: scanned.slice(0, count) };
  return text;
}

function sameWords(words: Int32Array, count: number): boolean {
  if (words.length !== count) return false;
  for (let k = 0; k < count; k++) if (words[k] !== scanned[k]) return false;
  return true;
}

/** A name past the interned length, or with non-ASCII bytes: found and decoded as it is. */
function decodeLong(data: Uint8Array, start: number): string | undefined {
  const end = data.indexOf(0, start);
  return end < 0 ? undefined : utf8.decode(data.subarray(start, end));
}
