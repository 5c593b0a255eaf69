import { decodeInternedName, viewOf } from '@bpfkit/core';

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes the NUL-terminated string at `start` (`bytes` start at byte `viewBase` of `view`). Names
 * in BTF are short ASCII identifiers that recur (every object's map and section names, the kernel
 * types CO-RE asks for), so core's interned decoder serves them; a string with no NUL runs to the
 * end of the table (a parsed table has its NUL, checked once at parse).
 */
export function readCString(bytes: Uint8Array, view: DataView, start: number, viewBase = 0): string {
  return decodeInternedName(bytes, view, start, viewBase) ?? utf8.decode(bytes.subarray(start));
}

/** FNV-1a over the NUL-terminated bytes at `start`: the name index hashes names in place. */
export function hashCString(bytes: Uint8Array, start: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; ; i++) {
    const c = bytes[i];
    if (c === 0 || c === undefined) return hash >>> 0;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
}

/** FNV-1a over a whole byte string (a query already encoded). */
export function hashBytes(query: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < query.length; i++) hash = Math.imul(hash ^ query[i]!, 0x01000193);
  return hash >>> 0;
}

/** True when the NUL-terminated string at `start` is exactly `query`. */
export function cStringEquals(bytes: Uint8Array, start: number, query: Uint8Array): boolean {
  if (start + query.length >= bytes.length) return false;
  for (let i = 0; i < query.length; i++) {
    if (bytes[start + i] !== query[i]) return false;
  }
  return bytes[start + query.length] === 0;
}

/**
 * The string section under construction: an append-only byte buffer with exact-match dedup, as
 * libbpf's strset. Seeded with an existing table, it keeps every old offset, so re-encoding parsed
 * BTF reproduces its string section byte for byte.
 */
export class StringTableBuilder {
  #bytes: Uint8Array;
  #length: number;
  #offsets: Map<string, number> | undefined;
  readonly #encoder = new TextEncoder();

  constructor(initial?: Uint8Array) {
    if (initial && initial.length > 0) {
      this.#bytes = new Uint8Array(Math.max(64, initial.length * 2));
      this.#bytes.set(initial);
      this.#length = initial.length;
    } else {
      this.#bytes = new Uint8Array(64);
      this.#length = 1; // offset 0 is the empty string
    }
  }

  get length(): number {
    return this.#length;
  }

  /** Offset of `text`, appended when the table does not hold it yet. */
  add(text: string): number {
    if (text === '') return 0;
    const offsets = this.#index();
    const known = offsets.get(text);
    if (known !== undefined) return known;
    const encoded = this.#encoder.encode(text);
    if (encoded.includes(0)) throw new RangeError(`BTF string ${JSON.stringify(text)} contains NUL`);
    this.#reserve(encoded.length + 1);
    const offset = this.#length;
    this.#bytes.set(encoded, offset);
    this.#bytes[offset + encoded.length] = 0;
    this.#length += encoded.length + 1;
    offsets.set(text, offset);
    return offset;
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** The first offset of every string already in the table, built on the first add. */
  #index(): Map<string, number> {
    if (this.#offsets) return this.#offsets;
    const offsets = new Map<string, number>();
    const bytes = this.#bytes.subarray(0, this.#length);
    const view = viewOf(bytes);
    let start = 0;
    while (start < this.#length) {
      const end = this.#bytes.indexOf(0, start);
      const stop = end < 0 || end > this.#length ? this.#length : end;
      const text = readCString(bytes, view, start);
      if (!offsets.has(text)) offsets.set(text, start);
      start = stop + 1;
    }
    this.#offsets = offsets;
    return offsets;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
