import { RECORD_HEADER_SIZE, RECORD_LENGTH_MASK } from './ringbuf-layout.js';

/**
 * The records one read of a ring buffer found, in order, without a copy or an object per record.
 *
 * Valid only during the callback (or Observable `next`) that receives it: `bytes` and every
 * `record(i)` view the kernel's mapped ring, which the kernel reuses once the consumer position
 * moves past them and which is unmapped on close; the batch object itself is reused by the next
 * read. libbpf's ring_buffer sample callback has the same contract. Copy what must outlive it
 * (`batch.bytes.slice()` copies the whole batch at once).
 */
export interface RecordBatch {
  /** records in the batch (discarded records are left out) */
  readonly count: number;
  /**
   * The ring's bytes from the first record's header to the end of the last one, contiguous even
   * when the batch wraps around the end of the ring (the kernel maps the data area twice).
   */
  readonly bytes: Uint8Array;
  /** where record i's data starts in `bytes` (after its 8-byte bpf_ringbuf_hdr) */
  offset(index: number): number;
  /** record i's length in bytes, as the program passed it to bpf_ringbuf_output/reserve */
  length(index: number): number;
  /** record i's data: a view into `bytes`, made on each call */
  record(index: number): Uint8Array;
  /**
   * Leaves records `fromIndex` and later in the ring: the read that delivered this batch consumes
   * only the ones before, and the next read delivers the rest again (for a consumer that stops
   * part-way, as an unsubscribe does).
   */
  leaveInRing(fromIndex: number): void;
}

const INITIAL_CAPACITY = 256;
const EMPTY = new Uint8Array(0);
const EMPTY_WORDS = new Int32Array(0);

/**
 * The RecordBatch a RingBuffer fills and reuses. The ring writes `offsets` directly (a method call
 * per record costs as much as reading the record); lengths are read back from the records'
 * headers, which stay in `bytes`, so filling a batch stores one number per record.
 */
export class ReusableRecordBatch implements RecordBatch {
  count = 0;
  bytes: Uint8Array = EMPTY;
  offsets = new Uint32Array(INITIAL_CAPACITY);
  /** the ring's data area as 32-bit words, to read the headers */
  #words: Int32Array = EMPTY_WORDS;
  /** where `bytes` starts in `#words`, in bytes */
  #wordsBase = 0;
  #consumed = 0;

  offset(index: number): number {
    return this.offsets[index]!;
  }

  length(index: number): number {
    // the header is the 8 bytes before the data: its first word holds the length and flags
    const header = this.#wordsBase + this.offsets[index]! - RECORD_HEADER_SIZE;
    return this.#words[header >>> 2]! & RECORD_LENGTH_MASK;
  }

  record(index: number): Uint8Array {
    const start = this.offsets[index]!;
    return this.bytes.subarray(start, start + this.length(index));
  }

  leaveInRing(fromIndex: number): void {
    const index = fromIndex > 0 ? Math.trunc(fromIndex) : 0;
    if (index < this.#consumed) this.#consumed = index;
  }

  /** records the reader consumed: all, or those before the first left in the ring */
  get consumed(): number {
    return this.#consumed;
  }

  /** Doubles the room for offsets, keeping those filled so far; answers the new array. */
  grow(): Uint32Array<ArrayBuffer> {
    const offsets = new Uint32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    return offsets;
  }

  /**
   * Sets the batch's record count and extent; `words` views the ring from `wordsBase` bytes before
   * `bytes` (8-aligned, as ring records are), so a batch allocates no view of its own for the
   * headers. All records count as consumed until leaveInRing.
   */
  seal(count: number, bytes: Uint8Array, words: Int32Array, wordsBase: number): void {
    this.count = count;
    this.bytes = bytes;
    this.#words = words;
    this.#wordsBase = wordsBase;
    this.#consumed = count;
  }

  /** How many bytes of `bytes` the reader consumed: all, or up to the first record left in the ring. */
  consumedBytes(): number {
    return this.#consumed === this.count
      ? this.bytes.length
      : this.offsets[this.#consumed]! - RECORD_HEADER_SIZE;
  }

  /** Drops the views of the ring, so a batch kept by mistake cannot touch unmapped memory. */
  release(): void {
    this.count = 0;
    this.#consumed = 0;
    this.bytes = EMPTY;
    this.#words = EMPTY_WORDS;
  }
}
