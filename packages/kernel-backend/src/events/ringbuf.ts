import { MapType, mapTypeName, UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { LinuxBackend } from '../linux/linux-backend.js';
import { Epoll } from './epoll.js';
import { MemoryMap, PROT_READ, PROT_WRITE, pageSize } from './memory-map.js';

// struct bpf_ringbuf_hdr: u32 len (with the two flag bits below), u32 pg_off; records 8-aligned.
const BPF_RINGBUF_BUSY_BIT = 0x8000_0000;
const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
const HEADER_SIZE = 8;

/** Called with each record; the bytes are a view into the ring, valid only during the call. */
export type RecordCallback = (record: Uint8Array) => void;

/**
 * A consumer of a BPF_MAP_TYPE_RINGBUF map, laid out as the kernel maps it (kernel/bpf/ringbuf.c):
 * page 0 is the consumer position (ours to write), page 1 the producer position (read-only), then
 * the data area mapped twice in a row, so a record that wraps around the end reads contiguously.
 *
 * Positions are u64 byte counters. The producer position is read with an atomic load and the
 * consumer position written with an atomic store after each record (libbpf's
 * smp_store_release): Atomics are sequentially consistent, which x86 gives for any aligned store
 * anyway, and the atomic access keeps V8 from caching or reordering the read of the header.
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
  readonly #headers: Uint32Array;
  readonly #mask: number;
  readonly #dataOffset: number;
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
    this.#dataOffset = pageSize();
    this.#data = new Uint8Array(producerMap.buffer, this.#dataOffset, 2 * size);
    this.#headers = new Uint32Array(producerMap.buffer, this.#dataOffset, (2 * size) / 4);
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
    return Number(Atomics.load(this.#producerPos, 0)) - this.#consumer;
  }

  /**
   * Reads every committed record in order, calling `callback` for each; stops at a record that
   * is still being written (BUSY) and skips discarded ones, and after `limit` records. Returns how
   * many records it delivered.
   */
  consume(callback: RecordCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    this.#consuming = true;
    let delivered = 0;
    try {
      let producer = Number(Atomics.load(this.#producerPos, 0));
      while (this.#consumer < producer && !this.#closed && delivered < limit) {
        const offset = this.#consumer & this.#mask;
        const header = Atomics.load(this.#headers, offset >>> 2);
        if (header & BPF_RINGBUF_BUSY_BIT) break;
        const length = header & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
        this.#consumer += (HEADER_SIZE + length + 7) & ~7;
        if (!(header & BPF_RINGBUF_DISCARD_BIT)) {
          delivered++;
          const start = offset + HEADER_SIZE;
          callback(this.#data.subarray(start, start + length));
        }
        if (this.#closed) break;
        Atomics.store(this.#consumerPos, 0, BigInt(this.#consumer));
        if (this.#consumer >= producer) producer = Number(Atomics.load(this.#producerPos, 0));
      }
    } finally {
      this.#consuming = false;
      if (this.#closed) this.#unmap();
    }
    return delivered;
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
