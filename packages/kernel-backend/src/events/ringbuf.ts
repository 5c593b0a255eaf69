import { MapType, mapTypeName, UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { LinuxBackend } from '../linux/linux-backend.js';
import { Epoll } from './epoll.js';
import { MemoryMap, PROT_READ, PROT_WRITE, pageSize } from './memory-map.js';
import { type RecordBatch, ReusableRecordBatch } from './record-batch.js';
import { ReusableRingRecord, type RingRecord } from './ring-record.js';

/** Called with each record; the bytes are a view into the ring, valid only during the call. */
export type RecordCallback = (record: Uint8Array) => void;

/** Called with each record; the one reused RingRecord, valid only during the call (see RingRecord). */
export type RingRecordCallback = (record: RingRecord) => void;

/** Called with the records of one read; the batch is valid only during the call (see RecordBatch). */
export type BatchCallback = (batch: RecordBatch) => void;

/**
 * A consumer of a BPF_MAP_TYPE_RINGBUF map, laid out as the kernel maps it (kernel/bpf/ringbuf.c):
 * page 0 is the consumer position (ours to write), page 1 the producer position (read-only), then
 * the data area mapped twice in a row, so a record or a batch that wraps around the end reads
 * contiguously.
 *
 * Positions are u64 byte counters, kept here as a number (2^53 bytes is centuries of traffic).
 * Each read opens the one reused ReusableRecordBatch on the bytes between the two positions, and
 * every reader walks the records through it (its module holds the header layout and the walks).
 */
export class RingBuffer {
  readonly mapFd: number;
  /** max_entries: the size of the data area in bytes (a power of two) */
  readonly size: number;
  readonly #consumerMap: MemoryMap;
  readonly #producerMap: MemoryMap;
  readonly #consumerPos: BigUint64Array;
  readonly #producerPos: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #dataView: DataView;
  readonly #headers: Int32Array;
  readonly #mask: number;
  readonly #batch = new ReusableRecordBatch();
  readonly #record = new ReusableRingRecord();
  #epoll: Epoll | undefined;
  #consumer: number;
  #consuming = false;
  #closed = false;

  private constructor(mapFd: number, size: number, consumerMap: MemoryMap, producerMap: MemoryMap) {
    this.mapFd = mapFd;
    this.size = size;
    this.#consumerMap = consumerMap;
    this.#producerMap = producerMap;
    this.#consumerPos = new BigUint64Array(consumerMap.buffer, 0, 1);
    this.#producerPos = new BigUint64Array(producerMap.buffer, 0, 1);
    const dataOffset = pageSize();
    this.#data = new Uint8Array(producerMap.buffer, dataOffset, 2 * size);
    this.#dataView = new DataView(producerMap.buffer, dataOffset, 2 * size);
    this.#headers = new Int32Array(producerMap.buffer, dataOffset, (2 * size) / 4);
    this.#mask = size - 1;
    this.#consumer = Number(Atomics.load(this.#consumerPos, 0));
  }

  /** Maps the ring buffer behind a map fd (the fd stays the caller's). */
  static open(map: FdArg, backend: KernelBackend = new LinuxBackend()): RingBuffer {
    const fd = fdValue(map, 'mmap');
    const info = backend.mapInfo(fd);
    if (info.type !== MapType.RINGBUF) {
      throw new UsageError(
        `map ${info.name || `fd ${fd}`} is a ${mapTypeName(info.type)} map, not a ringbuf`,
        {
          location: { map: info.name },
          hint: 'RingBuffer reads BPF_MAP_TYPE_RINGBUF maps; use PerfBuffer for perf event arrays',
        },
      );
    }
    const page = pageSize();
    const consumer = MemoryMap.map(
      fd,
      0,
      page,
      PROT_READ | PROT_WRITE,
      `ring buffer ${info.name} consumer page`,
    );
    try {
      const producer = MemoryMap.map(
        fd,
        page,
        page + 2 * info.maxEntries,
        PROT_READ,
        `ring buffer ${info.name} data`,
      );
      return new RingBuffer(fd, info.maxEntries, consumer, producer);
    } catch (error) {
      consumer.unmap();
      throw error;
    }
  }

  /** Bytes written by the kernel and not yet consumed. */
  get pending(): number {
    if (this.#closed) return 0;
    return this.#producer() - this.#consumer;
  }

  /**
   * Reads every committed record in order, calling `callback` for each with a new Uint8Array view
   * of it in the ring; stops at a record that is still being written (BUSY), skips discarded ones,
   * and stops after `limit` records. Returns how many records it delivered. A record whose callback
   * throws counts as consumed (as in libbpf). consumeRecords does the same without a view per record.
   */
  consume(callback: RecordCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    this.#consuming = true;
    const batch = this.#batch;
    const buffer = this.#data.buffer;
    let delivered = 0;
    try {
      while (delivered < limit && this.#openBatch(limit - delivered)) {
        const base = batch.window.byteOffset;
        try {
          for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
            delivered++;
            // the constructor is cheaper than subarray, which looks up the species constructor
            callback(new Uint8Array(buffer, base + at, batch.passedLength));
            if (this.#closed) return delivered;
          }
        } finally {
          this.#advance(batch.walkedBytes());
        }
      }
      return delivered;
    } finally {
      this.#finish();
    }
  }

  /**
   * Reads every committed record in order as libbpf's ring_buffer__consume does
   * (ringbuf_process_ring), calling `callback` for each with one reused RingRecord pointed at the
   * record in the ring: nothing is allocated per record. The record is valid only during the call
   * (`record.copy()` keeps one). Stops at a BUSY record and after `limit` records, skips discarded
   * ones, and returns how many it delivered; a record whose callback throws counts as consumed.
   */
  consumeRecords(callback: RingRecordCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    this.#consuming = true;
    const batch = this.#batch;
    const record = this.#record;
    record.attach(this.#data, this.#dataView);
    let delivered = 0;
    try {
      while (delivered < limit && this.#openBatch(limit - delivered)) {
        const origin = batch.window.byteOffset - this.#data.byteOffset; // the window's place in #data
        try {
          delivered += batch.deliverEach(record, origin, callback);
          if (this.#closed) return delivered;
        } finally {
          this.#advance(batch.walkedBytes());
        }
      }
      return delivered;
    } finally {
      record.release();
      this.#finish();
    }
  }

  /**
   * Reads up to `limit` committed records (default: all there are) and hands them to `callback`
   * as one RecordBatch, without a copy or an allocation per record; stops at a BUSY record and
   * leaves discarded ones out. The consumer position moves past the batch once `callback`
   * returns (or throws), short of any records it left in the ring with `batch.leaveInRing(i)`.
   * Returns how many records the callback consumed; it is not called when there are none.
   */
  consumeBatch(callback: BatchCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    this.#consuming = true;
    const batch = this.#batch;
    try {
      if (!this.#openBatch(limit)) return 0;
      try {
        callback(batch);
      } finally {
        this.#advance(batch.consumedBytes());
      }
      return batch.consumed;
    } finally {
      this.#finish();
    }
  }

  /**
   * Opens the batch on the records from the consumer position to the producer's, for up to
   * `limit` of them; answers false when none is there to deliver, after moving past the discarded
   * ones. The window is an offset into the doubly mapped data area: until the consumer position
   * is published the kernel writes at most one ring size ahead of it, so it never needs wrapping.
   */
  #openBatch(limit: number): boolean {
    const batch = this.#batch;
    const available = this.#producer() - this.#consumer;
    if (available === 0) return false;
    const first = this.#consumer & this.#mask;
    const maxCount = limit >= 1 ? Math.min(Math.floor(limit), this.size >>> 3) : 0; // records take >= 8 bytes
    // the constructor is cheaper than subarray, which looks up the species constructor
    const window = new Uint8Array(this.#data.buffer, this.#data.byteOffset + first, available);
    if (batch.open(window, maxCount, this.#headers, first)) return true;
    this.#advance(batch.consumedBytes());
    return false;
  }

  #producer(): number {
    return Number(Atomics.load(this.#producerPos, 0));
  }

  /**
   * Moves the consumer position `bytes` on and publishes it (one atomic u64 store, libbpf's
   * smp_store_release): once per batch, after the callbacks of every record it covers have
   * returned. libbpf stores it after each record; the kernel's producer only sees the final value,
   * and a later store just frees the space a little later.
   */
  #advance(bytes: number): void {
    if (bytes === 0) return;
    this.#consumer += bytes;
    Atomics.store(this.#consumerPos, 0, BigInt(this.#consumer));
  }

  /** Ends a read: drops the batch's views, then unmaps if the ring was closed meanwhile. */
  #finish(): void {
    this.#batch.release();
    this.#consuming = false;
    if (this.#closed) this.#unmap();
  }

  /**
   * Waits up to timeoutMs (epoll_wait; 0 returns at once, -1 waits forever) for the kernel to
   * signal data, then consumes. Blocks the thread while waiting: event-loop code uses
   * ringBufferEvents, which polls with no wait.
   */
  poll(timeoutMs: number, callback: RecordCallback): number {
    if (this.#closed) return 0;
    if (this.pending === 0) {
      this.#epoll ??= this.#openEpoll();
      this.#epoll.wait(timeoutMs);
    }
    return this.consume(callback);
  }

  #openEpoll(): Epoll {
    const epoll = new Epoll();
    epoll.add(this.mapFd, 0);
    return epoll;
  }

  /** Unmaps the ring (after the current consume() returns, when called from its callback). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batch.stop(); // a read in progress ends after the current callback
    this.#epoll?.close();
    if (!this.#consuming) this.#unmap();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #unmap(): void {
    this.#producerMap.unmap();
    this.#consumerMap.unmap();
  }
}
