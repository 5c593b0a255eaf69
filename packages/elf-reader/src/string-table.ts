import type { ErrorLocation } from '@bpfkit/core';
import { fail, hex } from './fail.js';

// One decoder for the whole package: constructing a TextDecoder per string costs more than decoding.
const utf8 = new TextDecoder();

/** Most names are short; longer ones are decoded without the cache. */
const INTERNED_MAX_LENGTH = 64;
/** Bounds the cache: past this many names it starts over. */
const INTERNED_MAX_COUNT = 8192;
/** One decoded name per hash of its bytes (a collision replaces the entry). */
const interned = new Map<number, string>();

/**
 * Symbol and section names, decoded once per process: the same names (.text, .maps, license,
 * .BTF.ext, helper and map names) recur in every object, and a lookup hashes and compares the
 * bytes without allocating, where decoding allocates a string. The scan for the terminating NUL
 * hashes as it goes (one pass, no indexOf call). Long or non-ASCII names go to TextDecoder.
 * Undefined when no NUL follows `start`.
 */
function decodeNameAt(data: Uint8Array, start: number): string | undefined {
  const limit = Math.min(data.length, start + INTERNED_MAX_LENGTH + 1);
  let hash = 0;
  let i = start;
  for (; i < limit; i++) {
    const c = data[i]!;
    if (c === 0) break;
    if (c >= 0x80) return decodeLong(data, start);
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  if (i === limit) return decodeLong(data, start);
  const length = i - start;
  hash = (Math.imul(length, 0x9e3779b1) + hash) | 0;
  const known = interned.get(hash);
  if (known !== undefined && sameAscii(known, data, start, length)) return known;
  let text = '';
  for (let j = start; j < i; j++) text += String.fromCharCode(data[j]!);
  if (interned.size >= INTERNED_MAX_COUNT) interned.clear();
  interned.set(hash, text);
  return text;
}

/** A name past the interned length, or with non-ASCII bytes: found and decoded as it is. */
function decodeLong(data: Uint8Array, start: number): string | undefined {
  const end = data.indexOf(0, start);
  return end < 0 ? undefined : utf8.decode(data.subarray(start, end));
}

function sameAscii(text: string, data: Uint8Array, start: number, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== data[start + i]) return false;
  return true;
}

/** Where the string index being resolved was read from, for the error when it is bad. */
export interface StringRef {
  readonly field: string;
  readonly byteOffset: number;
  readonly section?: string;
  readonly symbol?: string;
}

/**
 * An ELF string table (SHT_STRTAB): NUL-terminated strings addressed by byte offset. Decoded
 * strings are cached, since section and symbol names are looked up more than once.
 */
export class StringTable {
  readonly #data: Uint8Array;
  readonly #object: string;
  /** the table's own section name, for messages */
  readonly name: string;

  constructor(data: Uint8Array, name: string, object: string) {
    this.#data = data;
    this.name = name;
    this.#object = object;
  }

  get size(): number {
    return this.#data.length;
  }

  /** The string starting at `offset`; index 0 is always the empty name (gABI). */
  at(offset: number, ref: StringRef): string {
    return this.lookup(offset) ?? this.#fail(offset, ref);
  }

  /**
   * The string at `offset`, or undefined when the offset is out of range or unterminated: the
   * hot path of the symbol and section readers, which build their error reference only then.
   */
  lookup(offset: number): string | undefined {
    if (offset === 0) return '';
    const data = this.#data;
    if (!(offset > 0 && offset < data.length && Number.isInteger(offset))) return undefined;
    // No cache per table: most offsets are read once (one per symbol); names are interned.
    return decodeNameAt(data, offset);
  }

  #fail(offset: number, ref: StringRef): never {
    const data = this.#data;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= data.length) {
      fail(
        `${ref.field} ${hex(offset)} is past the end of string table ${this.name} (${hex(data.length)} bytes)`,
        this.#location(ref),
        'the string table is truncated or the string index is corrupt',
      );
    }
    const end = data.indexOf(0, offset);
    if (end < 0) {
      fail(
        `unterminated string: ${ref.field} ${hex(offset)} runs to the end of string table ${this.name} without a NUL`,
        this.#location(ref),
        'the string table is truncated',
      );
    }
    throw new Error('unreachable: lookup failed on a valid string');
  }

  #location(ref: StringRef): ErrorLocation {
    const location: ErrorLocation = { object: this.#object, field: ref.field, byteOffset: ref.byteOffset };
    if (ref.section !== undefined) location.section = ref.section;
    if (ref.symbol !== undefined) location.symbol = ref.symbol;
    return location;
  }
}
