import { MapType, mapTypeName, UsageError } from '@bpfkit/core';
import { osCalls } from '../attach/os-calls.js';
import { openPerfEvent, PerfSoftware, PerfType } from '../attach/perf-event.js';
import { onlineCpus } from '../attach/perf-event-program.js';
import type { FdArg, KernelBackend } from '../backend.js';
import { type Fd, fdValue } from '../fd.js';
import { LinuxBackend } from '../linux/linux-backend.js';
import { Epoll } from './epoll.js';
import { MemoryMap, PROT_READ, PROT_WRITE, pageSize } from './memory-map.js';

// include/uapi/linux/perf_event.h
const PERF_SAMPLE_RAW = 1n << 10n;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
const PERF_EVENT_IOC_ENABLE = 0x2400;
// struct perf_event_mmap_page: data_head, data_tail, data_offset, data_size (u64 each) at 1024..1055
const DATA_HEAD = 1024 / 8;
const DATA_TAIL = 1032 / 8;
const DATA_OFFSET = 1040 / 8;
const DATA_SIZE = 1048 / 8;

/** One record of a perf buffer: a sample's raw bytes, or how many samples the kernel dropped. */
export type PerfBufferEvent =
  | { type: 'sample'; cpu: number; data: Uint8Array }
  | { type: 'lost'; cpu: number; lost: number };

export interface PerfBufferOptions {
  /** data pages per CPU, a power of two (default 8); one more page holds the positions */
  pagesPerCpu?: number;
  /** the backend that reads the map's info and fills it (default: a Linux backend) */
  backend?: KernelBackend;
  /** CPUs to read; default every online CPU below the map's max_entries */
  cpus?: readonly number[];
}

/** One CPU's PERF_COUNT_SW_BPF_OUTPUT event and its mapped ring. */
class CpuRing {
  readonly cpu: number;
  readonly event: Fd;
  readonly #map: MemoryMap;
  readonly #positions: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;
  #tail: number;

  constructor(cpu: number, event: Fd, map: MemoryMap) {
    this.cpu = cpu;
    this.event = event;
    this.#map = map;
    this.#positions = new BigUint64Array(map.buffer, 0, DATA_SIZE + 1);
    const offset = Number(this.#positions[DATA_OFFSET]) || pageSize();
    const size = Number(this.#positions[DATA_SIZE]) || map.length - pageSize();
    this.#data = new Uint8Array(map.buffer, offset, size);
    this.#view = new DataView(map.buffer, offset, size);
    this.#mask = size - 1;
    this.#tail = Number(Atomics.load(this.#positions, DATA_TAIL));
  }

  get pending(): boolean {
    return Number(Atomics.load(this.#positions, DATA_HEAD)) > this.#tail;
  }

  /**
   * Reads records from data_tail to data_head (an acquire load), then publishes the new tail with
   * a release store (perf's ring protocol: tools/include/linux/ring_buffer.h).
   */
  read(emit: (event: PerfBufferEvent) => void, limit: number, closed: () => boolean): number {
    const head = Number(Atomics.load(this.#positions, DATA_HEAD));
    let count = 0;
    while (this.#tail < head && count < limit && !closed()) {
      const offset = this.#tail & this.#mask;
      // struct perf_event_header: u32 type, u16 misc, u16 size; 8-aligned, so it never wraps
      const type = this.#view.getUint32(offset, true);
      const size = this.#view.getUint16(offset + 6, true);
      if (size < 8) break; // a corrupt header: stop rather than spin
      const record = this.#record(offset, size);
      const body = new DataView(record.buffer, record.byteOffset, record.byteLength);
      if (type === PERF_RECORD_SAMPLE) {
        const rawSize = body.getUint32(8, true);
        emit({ type: 'sample', cpu: this.cpu, data: record.subarray(12, 12 + rawSize) });
        count++;
      } else if (type === PERF_RECORD_LOST) {
        emit({ type: 'lost', cpu: this.cpu, lost: Number(body.getBigUint64(16, true)) });
        count++;
      }
      this.#tail += size;
      if (closed()) break;
      Atomics.store(this.#positions, DATA_TAIL, BigInt(this.#tail));
    }
    return count;
  }

  /** The record's bytes: a view when contiguous, a copy when it wraps around the end. */
  #record(offset: number, size: number): Uint8Array {
    if (offset + size <= this.#data.length) return this.#data.subarray(offset, offset + size);
    const copy = new Uint8Array(size);
    const first = this.#data.length - offset;
    copy.set(this.#data.subarray(offset));
    copy.set(this.#data.subarray(0, size - first), first);
    return copy;
  }

  close(): void {
    this.#map.unmap();
    this.event.close();
  }
}

/**
 * A consumer of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map (libbpf's perf_buffer): one
 * PERF_COUNT_SW_BPF_OUTPUT perf event per CPU with PERF_SAMPLE_RAW and wakeup_events 1, its ring
 * mmapped (1 + 2^n pages), its fd stored in the map at the CPU's index, so bpf_perf_event_output
 * with BPF_F_CURRENT_CPU lands there. Sample data keeps the kernel's padding to 8 bytes (minus 4).
 */
export class PerfBuffer {
  readonly mapFd: number;
  readonly #rings: CpuRing[];
  readonly #backend: KernelBackend;
  readonly #epoll: Epoll;
  #consuming = false;
  #closed = false;

  private constructor(mapFd: number, rings: CpuRing[], backend: KernelBackend, epoll: Epoll) {
    this.mapFd = mapFd;
    this.#rings = rings;
    this.#backend = backend;
    this.#epoll = epoll;
  }

  static open(map: FdArg, options: PerfBufferOptions = {}): PerfBuffer {
    const backend = options.backend ?? new LinuxBackend();
    const mapFd = fdValue(map, 'perf buffer');
    const info = backend.mapInfo(mapFd);
    if (info.type !== MapType.PERF_EVENT_ARRAY) {
      throw new UsageError(
        `map ${info.name || `fd ${mapFd}`} is a ${mapTypeName(info.type)} map, not a perf_event_array`,
        {
          location: { map: info.name },
          hint: 'PerfBuffer reads BPF_MAP_TYPE_PERF_EVENT_ARRAY maps; use RingBuffer for ringbuf maps',
        },
      );
    }
    const pages = options.pagesPerCpu ?? 8;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      throw new UsageError(`pagesPerCpu must be a power of two, got ${pages}`);
    }
    const cpus = (options.cpus ?? onlineCpus()).filter((cpu) => cpu < info.maxEntries);
    const rings: CpuRing[] = [];
    const epoll = new Epoll();
    try {
      for (const cpu of cpus) {
        const ring = openCpuRing(cpu, pages, info.name);
        rings.push(ring);
        epoll.add(ring.event.value, rings.length - 1);
        backend.mapUpdate(mapFd, u32(cpu), u32(ring.event.value));
      }
    } catch (error) {
      for (const ring of rings) ring.close();
      epoll.close();
      throw error;
    }
    return new PerfBuffer(mapFd, rings, backend, epoll);
  }

  get cpus(): number[] {
    return this.#rings.map((ring) => ring.cpu);
  }

  /** Reads every CPU's records (samples and lost counts); returns how many it delivered. */
  consume(callback: (event: PerfBufferEvent) => void, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    this.#consuming = true;
    let delivered = 0;
    try {
      for (const ring of this.#rings) {
        if (this.#closed || delivered >= limit) break;
        delivered += ring.read(callback, limit - delivered, () => this.#closed);
      }
    } finally {
      this.#consuming = false;
      if (this.#closed) this.#release();
    }
    return delivered;
  }

  /** epoll_wait up to timeoutMs for a CPU's wake-up, then consume(). Blocks the thread while waiting. */
  poll(timeoutMs: number, callback: (event: PerfBufferEvent) => void): number {
    if (this.#closed) return 0;
    if (!this.#rings.some((ring) => ring.pending)) this.#epoll.wait(timeoutMs);
    return this.consume(callback);
  }

  /** Takes the events out of the map, unmaps the rings and closes the perf fds. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#consuming) this.#release();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #release(): void {
    this.#epoll.close();
    for (const ring of this.#rings) {
      try {
        this.#backend.mapDelete(this.mapFd, u32(ring.cpu));
      } catch {
        // the map may be gone already; its entries went with it
      }
      ring.close();
    }
  }
}

function openCpuRing(cpu: number, pages: number, mapName: string): CpuRing {
  const event = openPerfEvent(
    {
      type: PerfType.SOFTWARE,
      config: BigInt(PerfSoftware.BPF_OUTPUT),
      sampleType: PERF_SAMPLE_RAW,
      samplePeriod: 1n,
      wakeupEvents: 1,
    },
    { pid: -1, cpu },
    `bpf output for ${mapName} on cpu ${cpu}`,
  );
  try {
    const map = MemoryMap.map(
      event.value,
      0,
      (pages + 1) * pageSize(),
      PROT_READ | PROT_WRITE,
      `perf buffer of cpu ${cpu}`,
    );
    osCalls().ioctl(event.value, PERF_EVENT_IOC_ENABLE, 0);
    return new CpuRing(cpu, event, map);
  } catch (error) {
    event.close();
    throw error;
  }
}

function u32(value: number): Uint8Array {
  return new Uint8Array(Uint32Array.of(value).buffer);
}
