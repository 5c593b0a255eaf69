import { bufferView, decodeInternedName, type ErrorLocation } from '@bpfkit/core';
import { fail, hex } from './fail.js';

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
  /** a kept view of the buffer `data` lies in, from byte #viewBase */
  readonly #view: DataView;
  readonly #viewBase: number;
  readonly #object: string;
  /** the table's own section name, for messages */
  readonly name: string;

  constructor(data: Uint8Array, name: string, object: string) {
    this.#data = data;
    this.#view = bufferView(data.buffer);
    this.#viewBase = data.byteOffset;
    this.name = name;
    this.#object = object;
  }

  get size(): number {
    return this.#data.length;
  }

  /** Whether the table ends in a NUL: then every string that starts inside it is terminated. */
  get terminated(): boolean {
    return this.#data.length > 0 && this.#data[this.#data.length - 1] === 0;
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
    return decodeInternedName(data, this.#view, offset, this.#viewBase);
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
