// One decoder for every caller: constructing a TextDecoder per string costs more than decoding.
const utf8 = new TextDecoder();

/** Most names are short; longer ones are decoded without the cache. */
const INTERNED_MAX_LENGTH = 64;
/** Sets of the cache (a power of two): a name's hash picks its set of two slots. */
const INTERNED_SETS = 8192;

/** Words a cached name takes: its whole 4-byte words, then its last 0–3 bytes packed into one more. */
const MAX_WORDS = INTERNED_MAX_LENGTH / 4 + 1;
/**
 * Int32s a slot takes in `slotWords`: the name's full hash, its length, its words; rounded up to
 * 20 (80 bytes), so that every slot starts 16-byte aligned and spans at most two cache lines.
 */
const SLOT_STRIDE = 20;
const HASH = 0;
const LENGTH = 1;
const WORDS = 2;

/**
 * The cache, two-way set-associative: a name's hash picks a set of two adjacent slots; a new name
 * takes the first and moves the first's name to the second, dropping the second's. Flat typed
 * arrays rather than an object per name: a lookup in an open's loop found the cache cold, and an
 * object (its text, its words array, that array's backing store) cost a cache miss per pointer
 * followed. Here a miss is rejected by the hash and length beside the words it would compare,
 * and a hit reads the one string it returns.
 */
const slotWords = new Int32Array(2 * INTERNED_SETS * SLOT_STRIDE);
/** the decoded text of each slot (undefined: empty), preallocated so the array keeps fast elements */
const slotTexts: (string | undefined)[] = new Array(2 * INTERNED_SETS).fill(undefined);
/** The words of the name being scanned. */
const scanned = new Int32Array(MAX_WORDS);

/**
 * The NUL-terminated name at `start` of a string table (ELF SHT_STRTAB, BTF's string section),
 * decoded once per process: the same names (.text, .maps, license, helper, map and type names)
 * recur in every object, and a lookup hashes and compares the bytes where decoding allocates a
 * string. The scan reads four bytes at a time (`data` starts at byte `viewBase` of `view`: a view
 * of the whole buffer, as bufferView keeps, serves every table in it) until a word holds the NUL
 * or a non-ASCII byte, hashing as it goes; a cached name is confirmed by comparing those words.
 * Long or non-ASCII names go to TextDecoder. Undefined when no NUL follows `start`.
 */
export function decodeInternedName(
  data: Uint8Array,
  view: DataView,
  start: number,
  viewBase = 0,
): string | undefined {
  const limit = Math.min(data.length, start + INTERNED_MAX_LENGTH + 1);
  let hash = 0;
  let count = 0;
  let i = start;
  for (; i + 4 <= limit; i += 4) {
    const word = view.getInt32(viewBase + i, true);
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
  const length = i - start;
  if (length === 0) return ''; // answered here: an empty slot's hash and length match it
  scanned[count++] = tail;
  // the multiplies mix bits upwards only: fold the high bits down before taking the slot
  hash = (Math.imul(hash ^ tail, 0x01000193) + length) | 0;
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  hash ^= hash >>> 13;
  const slot = (hash & (INTERNED_SETS - 1)) << 1;
  const first = slot * SLOT_STRIDE;
  if (holds(first, hash, length, count)) return slotTexts[slot];
  const second = first + SLOT_STRIDE;
  if (holds(second, hash, length, count)) return slotTexts[slot + 1];
  let text = '';
  for (let j = start; j < i; j++) text += String.fromCharCode(data[j]!);
  // the first slot's name moves to the second (a text of undefined: the slot was empty)
  slotWords.copyWithin(second, first, first + SLOT_STRIDE);
  slotTexts[slot + 1] = slotTexts[slot];
  slotWords[first + HASH] = hash;
  slotWords[first + LENGTH] = length;
  slotWords.set(scanned.subarray(0, count), first + WORDS);
  slotTexts[slot] = text;
  return text;
}

/** Whether the slot at `at` holds the scanned name (no name of length 0 is looked up). */
function holds(at: number, hash: number, length: number, count: number): boolean {
  if (slotWords[at + HASH] !== hash || slotWords[at + LENGTH] !== length) return false;
  for (let k = 0; k < count; k++) if (slotWords[at + WORDS + k] !== scanned[k]) return false;
  return true;
}

/** A name past the interned length, or with non-ASCII bytes: found and decoded as it is. */
function decodeLong(data: Uint8Array, start: number): string | undefined {
  const end = data.indexOf(0, start);
  return end < 0 ? undefined : utf8.decode(data.subarray(start, end));
}
