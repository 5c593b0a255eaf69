import { fail, hex } from './fail.js';
import { u64FromHalves } from './small-bigint.js';

/**
 * A bounds-checked cursor over the object's bytes, in the file's byte order. Callers check a
 * whole structure's range with `expect` (so the error names the structure), and every read checks
 * again as a backstop, so a DataView RangeError can never escape.
 */
export class ByteReader {
  readonly #view: DataView;
  readonly #little: boolean;
  readonly #object: string;
  #pos = 0;

  constructor(bytes: Uint8Array, littleEndian: boolean, objectName: string) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#little = littleEndian;
    this.#object = objectName;
  }

  get length(): number {
    return this.#view.byteLength;
  }

  /** The view reads go through: for loops over a table whose whole range was checked already. */
  get view(): DataView {
    return this.#view;
  }

  get littleEndian(): boolean {
    return this.#little;
  }

  get position(): number {
    return this.#pos;
  }

  /** Moves the cursor; fails unless `size` bytes from `offset` lie inside the file. */
  expect(offset: number, size: number, field: string, section?: string): this {
    if (!this.#fits(offset, size)) {
      fail(
        `${field} at ${hex(offset)} needs ${size} bytes but the file ends at ${hex(this.length)}`,
        {
          object: this.#object,
          field,
          byteOffset: offset,
          ...(section === undefined ? {} : { section }),
        },
        'the file is truncated or a header points past its end',
      );
    }
    this.#pos = offset;
    return this;
  }

  #fits(offset: number, size: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.length;
  }

  u8(): number {
    const at = this.#take(1);
    return this.#view.getUint8(at);
  }

  u16(): number {
    const at = this.#take(2);
    return this.#view.getUint16(at, this.#little);
  }

  u32(): number {
    const at = this.#take(4);
    return this.#view.getUint32(at, this.#little);
  }

  /** Read as two u32 halves: small values (most ELF fields) share one bigint instead of allocating. */
  u64(): bigint {
    const at = this.#take(8);
    const view = this.#view;
    const little = this.#little;
    const lo = view.getUint32(little ? at : at + 4, little);
    const hi = view.getUint32(little ? at + 4 : at, little);
    return u64FromHalves(lo, hi);
  }

  i64(): bigint {
    const at = this.#take(8);
    return this.#view.getBigInt64(at, this.#little);
  }

  #take(size: number): number {
    const at = this.#pos;
    if (at + size > this.length) {
      fail(`read of ${size} bytes at ${hex(at)} is past the end of the file`, {
        object: this.#object,
        byteOffset: at,
      });
    }
    this.#pos = at + size;
    return at;
  }
}
