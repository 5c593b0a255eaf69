import { endianness } from 'node:os';
import { UsageError } from '@bpfkit/core';

/** Records hold the producer's bytes in host order (the BPF program wrote them on this CPU). */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * One ring buffer record, read in place: the reader reuses one RingRecord for every record it
 * delivers, so reading a ring allocates nothing per record.
 *
 * Valid only during the callback (or Observable `next`) that receives it, as libbpf's
 * ring_buffer sample pointer is valid only during its sample_cb: the bytes are the kernel's
 * mapped ring, which the kernel reuses once the consumer position moves past them, and the same
 * object then points at the next record. Once the read that delivered it has returned, every
 * accessor throws a UsageError. `copy()` keeps a record.
 */
export interface RingRecord {
  /** the record's length in bytes, as the program passed it to bpf_ringbuf_output/reserve */
  readonly length: number;
  /** the ring's mapped data area (mapped twice in a row, so a record that wraps reads contiguously) */
  readonly bytes: Uint8Array;
  /** where the record's data starts in `bytes` (after its 8-byte bpf_ringbuf_hdr) */
  readonly offset: number;
  /** the unsigned byte at `at` (a byte offset inside the record) */
  u8(at: number): number;
  /** the u16 at `at`, in host byte order */
  u16(at: number): number;
  /** the u32 at `at`, in host byte order */
  u32(at: number): number;
  /** the s32 at `at`, in host byte order */
  i32(at: number): number;
  /** the u64 at `at`, in host byte order */
  u64(at: number): bigint;
  /** the record's bytes in a new Uint8Array of its own: the way to keep a record past its callback */
  copy(): Uint8Array;
  /** a view of the record's bytes in the ring (made on each call; valid only as the record is) */
  view(): Uint8Array;
}

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/**
 * The RingRecord a RingBuffer points at each record in turn (`moveTo`, two stores per record) and
 * releases when the read returns. Reads check the record's own bounds, so a read past its end
 * (into the next record's header) or after release throws instead of answering someone else's bytes.
 */
export class ReusableRingRecord implements RingRecord {
  bytes: Uint8Array = EMPTY;
  offset = 0;
  length = 0;
  #view: DataView = EMPTY_VIEW;
  #released = true;

  /** Points at the ring's data area for one read (released again by `release`). */
  attach(bytes: Uint8Array, view: DataView): void {
    this.bytes = bytes;
    this.#view = view;
    this.#released = false;
  }

  moveTo(offset: number, length: number): void {
    this.offset = offset;
    this.length = length;
  }

  /** Drops the views of the ring, so a record kept by mistake cannot read reused or unmapped memory. */
  release(): void {
    this.bytes = EMPTY;
    this.#view = EMPTY_VIEW;
    this.offset = 0;
    this.length = 0;
    this.#released = true;
  }

  u8(at: number): number {
    if (!(at >= 0 && at < this.length)) this.#outside(at, 1);
    return this.bytes[this.offset + at]!;
  }

  u16(at: number): number {
    if (!(at >= 0 && at + 2 <= this.length)) this.#outside(at, 2);
    return this.#view.getUint16(this.offset + at, LITTLE_ENDIAN);
  }

  u32(at: number): number {
    if (!(at >= 0 && at + 4 <= this.length)) this.#outside(at, 4);
    return this.#view.getUint32(this.offset + at, LITTLE_ENDIAN);
  }

  i32(at: number): number {
    if (!(at >= 0 && at + 4 <= this.length)) this.#outside(at, 4);
    return this.#view.getInt32(this.offset + at, LITTLE_ENDIAN);
  }

  u64(at: number): bigint {
    if (!(at >= 0 && at + 8 <= this.length)) this.#outside(at, 8);
    return this.#view.getBigUint64(this.offset + at, LITTLE_ENDIAN);
  }

  copy(): Uint8Array {
    this.#checkLive('copy()');
    return this.bytes.slice(this.offset, this.offset + this.length);
  }

  view(): Uint8Array {
    this.#checkLive('view()');
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.offset, this.length);
  }

  #checkLive(what: string): void {
    if (this.#released) throw releasedError(what);
  }

  #outside(at: number, size: number): never {
    if (this.#released) throw releasedError(`a ${size * 8}-bit read`);
    throw new RangeError(`ring record read of ${size} bytes at ${at} is outside its ${this.length} bytes`);
  }
}

function releasedError(what: string): UsageError {
  return new UsageError(`${what} of a ring buffer record after the callback that received it returned`, {
    hint: 'a RingRecord views the ring only during its callback or next(): call record.copy() there to keep its bytes',
  });
}
