import type { ErrorLocation } from '@bpfkit/core';
import { fail, hex } from './fail.js';

// One decoder for the whole package: constructing a TextDecoder per string costs more than decoding.
const utf8 = new TextDecoder();

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
  readonly #cache = new Map<number, string>();
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
    if (offset === 0) return '';
    const cached = this.#cache.get(offset);
    if (cached !== undefined) return cached;
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
    const text = utf8.decode(data.subarray(offset, end));
    this.#cache.set(offset, text);
    return text;
  }

  #location(ref: StringRef): ErrorLocation {
    const location: ErrorLocation = { object: this.#object, field: ref.field, byteOffset: ref.byteOffset };
    if (ref.section !== undefined) location.section = ref.section;
    if (ref.symbol !== undefined) location.symbol = ref.symbol;
    return location;
  }
}
