import type { ReusableRingRecord } from './ring-record.js';
import type { RingRecordCallback } from './ringbuf.js';

// struct bpf_ringbuf_hdr (kernel/bpf/ringbuf.c): u32 len with the BUSY (bit 31) and DISCARD
// (bit 30) flags, u32 pg_off; each record is rounded up to 8 bytes. Read as an Int32, BUSY is the
// sign bit. Every walk over a ring's headers is in this module, beside the layout: V8's optimized
// code checks an imported binding at each use (it could still be in its temporal dead zone), which
// cost the walks 1-2 ns a record when the layout was a module of its own.
const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
const RECORD_LENGTH_MASK = 0x3fff_ffff;
const RECORD_HEADER_SIZE = 8;

/** Bytes a record of `length` takes in the ring: its header and data, rounded up to 8. */
const recordSpan = (length: number): number => (length + RECORD_HEADER_SIZE + 7) & ~7;

/**
 * Plain header loads are safe where the CPU does not reorder a load with an older load (x86-64;
 * V8 keeps typed-array loads in program order too), and Atomics.load costs ~5 ns a record there.
 * Elsewhere (arm64) headers are atomic loads, the acquire that pairs with the kernel's commit store.
 */
const LOADS_IN_ORDER = process.arch === 'x64' || process.arch === 'ia32';

/** The 32-bit word at index `index` of the data area `words` views, where a header may be. */
const loadWord = (words: Int32Array, index: number): number =>
  LOADS_IN_ORDER ? words[index]! : Atomics.load(words, index);

/** The first word of the record header at byte `offset` of the data area `words` views. */
const loadHeader = (words: Int32Array, offset: number): number => loadWord(words, offset >>> 2);

/**
 * The records one read of a ring buffer found, in order, without a copy or an object per record.
 *
 * Valid only during the callback (or Observable `next`) that receives it: `bytes`, `window` and
 * every `record(i)` view the kernel's mapped ring, which the kernel reuses once the consumer
 * position moves past them and which is unmapped on close; the batch object itself is reused by
 * the next read. libbpf's ring_buffer sample callback has the same contract. Copy what must outlive
 * it (`batch.bytes.slice()` copies the whole batch at once).
 *
 * Two ways to read it, over the same offsets: by index (`count`, `offset(i)`), which walks the
 * batch's headers once to index them, or in one pass (`nextOffset()` until it answers -1, or
 * `nextOffsets(out)` a chunk at a time until it answers 0), which reads each header as it goes, as
 * libbpf's ring_buffer__consume does, and costs less for a reader that visits each record once.
 */
export interface RecordBatch {
  /** records in the batch (discarded records are left out); the first read indexes the batch */
  readonly count: number;
  /**
   * The ring's bytes from the first record's header to the end of the last one, contiguous even
   * when the batch wraps around the end of the ring (the kernel maps the data area twice). The
   * batch's end is found by walking its headers: a one-pass reader reads `window` instead.
   */
  readonly bytes: Uint8Array;
  /**
   * The ring's bytes from the first record's header to the producer's position when the read
   * began: `bytes` and possibly records after the batch (past the read's limit, or not yet
   * committed). Starts where `bytes` does, so every offset the batch answers indexes both.
   */
  readonly window: Uint8Array;
  /** where record i's data starts in `bytes` (after its 8-byte bpf_ringbuf_hdr) */
  offset(index: number): number;
  /** record i's length in bytes, as the program passed it to bpf_ringbuf_output/reserve */
  length(index: number): number;
  /** record i's data: a view into `bytes`, made on each call */
  record(index: number): Uint8Array;
  /**
   * One pass over the records, in order: answers where the next record's data starts in `window`
   * (and `bytes`), or -1 after the last. The pass is independent of `count` and `offset(i)`.
   */
  nextOffset(): number;
  /**
   * The same pass, several records a call: fills `out` from its start with where the next records'
   * data start (as many as fit), and answers how many it filled; 0 after the last (or when `out`
   * is empty). Cheaper than `nextOffset` per record, since the walk keeps its place in locals for a
   * whole call rather than in the batch between calls. The two may be mixed: each continues where
   * the other stopped.
   */
  nextOffsets(out: Int32Array | Uint32Array): number;
  /**
   * The same pass, a run at a time: the next records of one length that follow each other with no
   * discarded record between, at most `maxRecords` (default 256) of them. Answers how many
   * the run holds, 0 after the last; the run's first record's data starts at `runStart` in
   * `window` (and `bytes`), each next one `runSpan` bytes on, and each is `runLength` bytes long.
   * Where a program writes one struct a record, every run but a batch's last holds `maxRecords`,
   * and a reader steps through them by a constant, with no offset stored or read per record.
   * Mixes with nextOffset and nextOffsets as they mix with each other.
   */
  nextRun(maxRecords?: number): number;
  /** where the data of the first record of the run nextRun answered last starts */
  readonly runStart: number;
  /** bytes from one record's data to the next in that run (its records' spans in the ring) */
  readonly runSpan: number;
  /** the length of each record of that run */
  readonly runLength: number;
  /** the length of the record whose data starts at `offset` (from nextOffset or offset(i)) */
  lengthAt(offset: number): number;
  /**
   * Leaves records `fromIndex` and later in the ring: the read that delivered this batch consumes
   * only the ones before, and the next read delivers the rest again (for a consumer that stops
   * part-way, as an unsubscribe does).
   */
  leaveInRing(fromIndex: number): void;
}

const INITIAL_CAPACITY = 256;
/**
 * nextRun's default most records a run: 256 records of 64 bytes are 16 KiB, so the records the run
 * walked are still in the CPU's first-level cache when the reader reads them. Runs of all 16384
 * records of a batch (1 MiB) read as slowly as offsets did: the reader's pass missed every line.
 */
const RUN_RECORDS = 256;
const EMPTY = new Uint8Array(0);
const EMPTY_WORDS = new Int32Array(0);
const NOT_INDEXED = -1;

/**
 * The RecordBatch a RingBuffer opens on each read and reuses. Opening one reads no header past the
 * first record: the batch's extent is found by whichever walk gets there (the index or the
 * one-pass reader), or after the callback by the ring, to move its consumer position. Both walks
 * stop at the first BUSY record either of them meets, so they agree on the records.
 *
 * Walking headers is a chain of dependent loads (each header gives the next one's place), so the
 * index loop does little else: one store per record, one bound for both the limit and the offsets
 * array's room, and it advances by the previous record's span unless this one differs (a branch
 * the CPU predicts, so it can load the next header before this one arrives).
 */
export class ReusableRecordBatch implements RecordBatch {
  window: Uint8Array = EMPTY;
  offsets = new Uint32Array(INITIAL_CAPACITY);
  /** the length of the record nextOffset answered last (what lengthAt would read again) */
  passedLength = 0;
  runStart = 0;
  runSpan = 0;
  runLength = 0;
  /** the ring's data area as 32-bit words, to read the headers */
  #words: Int32Array = EMPTY_WORDS;
  /** where `window` starts in `#words`, in bytes */
  #wordsBase = 0;
  /** where the first record's header is in `window` (discarded records may come before it) */
  #start = 0;
  /** where the walks stop: the window's end, or the first BUSY header found */
  #end = 0;
  /** most records the batch may hold */
  #limit = 0;
  /** the one-pass reader's next header, and the records it has answered */
  #passAt = 0;
  #passed = 0;
  #span = 0;
  #count = NOT_INDEXED;
  /** bytes the batch's records span from the window's start, once a walk has found its end */
  #extent = NOT_INDEXED;
  #bytes: Uint8Array | undefined;
  #consumed = NOT_INDEXED;
  #stopped = false;

  get count(): number {
    if (this.#count === NOT_INDEXED) this.#index();
    return this.#count;
  }

  get bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      if (this.#extent === NOT_INDEXED) this.#index();
      this.#bytes = new Uint8Array(this.window.buffer, this.window.byteOffset, this.#extent);
    }
    return this.#bytes;
  }

  offset(index: number): number {
    if (this.#count === NOT_INDEXED) this.#index();
    return this.offsets[index]!;
  }

  length(index: number): number {
    return this.lengthAt(this.offset(index));
  }

  lengthAt(offset: number): number {
    // the header is the 8 bytes before the data: its first word holds the length and flags
    return loadHeader(this.#words, this.#wordsBase + offset - RECORD_HEADER_SIZE) & RECORD_LENGTH_MASK;
  }

  record(index: number): Uint8Array {
    const start = this.offset(index);
    return this.bytes.subarray(start, start + this.lengthAt(start));
  }

  nextOffset(): number {
    const words = this.#words;
    const base = this.#wordsBase;
    let at = this.#passAt;
    while (at < this.#end && this.#passed < this.#limit) {
      const header = loadHeader(words, base + at);
      if (header < 0) {
        this.#end = at; // BUSY: the producer has not committed it yet
        break;
      }
      const actual = recordSpan(header & RECORD_LENGTH_MASK);
      if (actual !== this.#span) this.#span = actual; // a predicted branch, as in #index
      const next = at + this.#span;
      if ((header & BPF_RINGBUF_DISCARD_BIT) === 0) {
        this.#passAt = next;
        this.#passed++;
        this.passedLength = header & RECORD_LENGTH_MASK;
        return at + RECORD_HEADER_SIZE;
      }
      at = next;
    }
    this.#passAt = at;
    if (this.#extent === NOT_INDEXED) this.#extent = at;
    return -1;
  }

  nextOffsets(out: Int32Array | Uint32Array): number {
    const words = this.#words;
    const base = this.#wordsBase;
    const end = this.#end;
    const room = Math.min(out.length, this.#limit - this.#passed);
    let at = this.#passAt;
    let span = this.#span;
    let filled = 0;
    while (filled < room && at < end) {
      const header = loadHeader(words, base + at);
      if (header < 0) {
        this.#end = at; // BUSY, as in nextOffset
        break;
      }
      const actual = recordSpan(header & RECORD_LENGTH_MASK);
      if (actual !== span) span = actual; // a predicted branch, as in #index
      if ((header & BPF_RINGBUF_DISCARD_BIT) === 0) out[filled++] = at + RECORD_HEADER_SIZE;
      at += span;
    }
    this.#passAt = at;
    this.#span = span;
    this.#passed += filled;
    // an empty `out` ends nothing; otherwise 0 means the pass is over, as nextOffset's -1
    if (filled === 0 && out.length > 0 && this.#extent === NOT_INDEXED) this.#extent = at;
    return filled;
  }

  nextRun(maxRecords = RUN_RECORDS): number {
    const words = this.#words;
    const base = this.#wordsBase;
    const end = this.#end;
    const room = Math.min(Math.floor(maxRecords), this.#limit - this.#passed);
    let at = this.#passAt;
    while (room >= 1 && at < end) {
      const header = loadHeader(words, base + at);
      if (header < 0) {
        this.#end = at; // BUSY, as in nextOffset
        break;
      }
      const span = recordSpan(header & RECORD_LENGTH_MASK);
      if ((header & BPF_RINGBUF_DISCARD_BIT) !== 0) {
        at += span;
        continue;
      }
      // the run goes on while each next header is the same word: the same length, neither BUSY
      // nor DISCARD; one load and one compare a record, stepping in words (headers are 8-aligned)
      const step = span >>> 2;
      const last = (base + end) >>> 2;
      let count = 1;
      let word = (base + at + span) >>> 2;
      while (count < room && word < last && loadWord(words, word) === header) {
        word += step;
        count++;
      }
      this.#passAt = at + count * span;
      this.#passed += count;
      this.runStart = at + RECORD_HEADER_SIZE;
      this.runSpan = span;
      this.runLength = header & RECORD_LENGTH_MASK;
      return count;
    }
    this.#passAt = at;
    // as nextOffsets: a run of no records asked for ends nothing; otherwise 0 means the pass is over
    if (maxRecords >= 1 && this.#extent === NOT_INDEXED) this.#extent = at;
    return 0;
  }

  /**
   * The one-pass walk for a reader that takes one record at a time (RingBuffer.consumeRecords):
   * points `record` at each record in turn (at `origin` plus its offset in the window) and calls
   * `callback` with it, its place kept in locals for the whole batch rather than in the batch
   * between records. A record is walked past before its callback runs, so one whose callback throws
   * counts as consumed, as in libbpf. Stops early once `stop()` is called (the ring was closed from
   * a callback). Answers how many records it delivered.
   */
  deliverEach(record: ReusableRingRecord, origin: number, callback: RingRecordCallback): number {
    const words = this.#words;
    const base = this.#wordsBase;
    const room = this.#limit - this.#passed;
    let end = this.#end;
    let at = this.#passAt;
    let span = this.#span;
    let delivered = 0;
    while (delivered < room && at < end && !this.#stopped) {
      const header = loadHeader(words, base + at);
      if (header < 0) {
        this.#end = end = at; // BUSY, as in nextOffset
        break;
      }
      const actual = recordSpan(header & RECORD_LENGTH_MASK);
      if (actual !== span) span = actual; // a predicted branch, as in #index
      const next = at + span;
      if ((header & BPF_RINGBUF_DISCARD_BIT) === 0) {
        this.#passAt = next;
        delivered++;
        record.moveTo(origin + at + RECORD_HEADER_SIZE, header & RECORD_LENGTH_MASK);
        callback(record);
      }
      at = next;
    }
    this.#passAt = at;
    this.#span = span;
    this.#passed += delivered;
    // the walk is over (as when nextOffset answers -1) unless a stop cut it short
    const over = at >= end || this.#passed >= this.#limit;
    if (over && !this.#stopped && this.#extent === NOT_INDEXED) this.#extent = at;
    return delivered;
  }

  /** Ends deliverEach's walk after the callback now running (the ring was closed from it). */
  stop(): void {
    this.#stopped = true;
  }

  leaveInRing(fromIndex: number): void {
    const index = fromIndex > 0 ? Math.trunc(fromIndex) : 0;
    if (index < this.count && (this.#consumed === NOT_INDEXED || index < this.#consumed)) {
      this.#consumed = index;
    }
  }

  /**
   * Opens the batch on `window`, which starts at a record's header, with room for `limit` records;
   * `words` views the ring from `wordsBase` bytes before the window (8-aligned, as ring records
   * are), so a batch allocates no view of its own for the headers. Answers whether the window holds
   * a record to deliver; when it does not, consumedBytes() covers the discarded records it skipped.
   */
  open(window: Uint8Array, limit: number, words: Int32Array, wordsBase: number): boolean {
    this.window = window;
    this.#end = window.length;
    this.#limit = limit;
    this.#words = words;
    this.#wordsBase = wordsBase;
    this.#passAt = 0;
    this.#passed = 0;
    this.#span = 0;
    this.#count = NOT_INDEXED;
    this.#extent = NOT_INDEXED;
    this.#bytes = undefined;
    this.#consumed = NOT_INDEXED;
    this.#stopped = false;
    this.runStart = this.runSpan = this.runLength = 0;
    const first = this.nextOffset();
    if (first < 0) {
      this.#count = 0;
      return false;
    }
    // the walks start at the first record to deliver; the pass reads it again
    this.#start = this.#passAt = first - RECORD_HEADER_SIZE;
    this.#passed = 0;
    return true;
  }

  /** How many bytes of the window the one-pass walk has gone past: a per-record reader consumes those. */
  walkedBytes(): number {
    return this.#passAt;
  }

  /** records the reader consumed: all, or those before the first left in the ring */
  get consumed(): number {
    return this.#consumed === NOT_INDEXED ? this.#recordsToEnd() : this.#consumed;
  }

  /** How many bytes of the window the reader consumed: the batch's extent, or up to the first record left in the ring. */
  consumedBytes(): number {
    if (this.#consumed !== NOT_INDEXED && this.#consumed < this.#count) {
      return this.offsets[this.#consumed]! - RECORD_HEADER_SIZE;
    }
    if (this.#extent === NOT_INDEXED) this.#recordsToEnd();
    return this.#extent;
  }

  /** Drops the views of the ring, so a batch kept by mistake cannot touch unmapped memory. */
  release(): void {
    this.open(EMPTY, 0, EMPTY_WORDS, 0);
    this.#count = 0;
    this.#consumed = 0;
  }

  /** The batch's record count, finishing the one-pass walk if the batch is not indexed. */
  #recordsToEnd(): number {
    if (this.#count !== NOT_INDEXED) return this.#count;
    while (this.nextOffset() >= 0);
    return this.#passed;
  }

  /** Walks the headers from the first record, storing each record's data offset (see the class comment). */
  #index(): void {
    const words = this.#words;
    const base = this.#wordsBase;
    const maxCount = this.#limit;
    let offsets = this.offsets;
    let count = 0;
    let at = this.#start;
    let span = 0;
    scan: for (;;) {
      const room = Math.min(maxCount, offsets.length);
      while (count < room) {
        if (at >= this.#end) break scan;
        const header = loadHeader(words, base + at);
        if (header < 0) {
          this.#end = at; // BUSY
          break scan;
        }
        if ((header & BPF_RINGBUF_DISCARD_BIT) === 0) offsets[count++] = at + RECORD_HEADER_SIZE;
        const actual = recordSpan(header & RECORD_LENGTH_MASK);
        if (actual !== span) span = actual; // a predicted branch, not a data dependency
        at += span;
      }
      if (count >= maxCount) break;
      offsets = this.#grow();
    }
    this.#count = count;
    this.#extent = at;
  }

  /** Doubles the room for offsets, keeping those filled so far; answers the new array. */
  #grow(): Uint32Array<ArrayBuffer> {
    const offsets = new Uint32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    return offsets;
  }
}
