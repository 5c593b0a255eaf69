import { KernelError } from '@bpfkit/core';
import koffi from 'koffi';
import { describeErrno } from '../errno.js';

// mman-common.h
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
const MAP_SHARED = 0x01;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const SC_PAGESIZE = 30;

interface MmanCalls {
  mmap(address: null, length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  munmap(address: bigint, length: number): number;
  sysconf(name: number): number;
}

let bound: MmanCalls | undefined;

function mman(): MmanCalls {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  bound = {
    mmap: lib.func('void *mmap(void *, size_t, int, int, int, long)'),
    munmap: lib.func('int munmap(void *, size_t)'),
    sysconf: lib.func('long sysconf(int)'),
  } as MmanCalls;
  return bound;
}

let pageSizeCache: number | undefined;

/** sysconf(_SC_PAGESIZE) */
export function pageSize(): number {
  pageSizeCache ??= mman().sysconf(SC_PAGESIZE);
  return pageSizeCache;
}

/**
 * A MAP_SHARED mapping of a kernel object (ring buffer, perf buffer) seen from JavaScript as an
 * ArrayBuffer. unmap() makes every view of it invalid: touching one afterwards would crash the
 * process, so owners drop their views before unmapping and never unmap while reading.
 */
export class MemoryMap {
  readonly buffer: ArrayBuffer;
  readonly length: number;
  readonly #address: bigint;
  #mapped = true;

  private constructor(address: bigint, length: number) {
    this.#address = address;
    this.length = length;
    this.buffer = koffi.view(address, length);
  }

  /** mmap(NULL, length, prot, MAP_SHARED, fd, offset); `what` names it in errors. */
  static map(fd: number, offset: number, length: number, prot: number, what: string): MemoryMap {
    const address = mman().mmap(null, length, prot, MAP_SHARED, fd, offset);
    if (address === MAP_FAILED || address === 0n) {
      const errno = koffi.errno();
      throw new KernelError(
        'mmap',
        errno,
        `mmap of ${what} (${length} bytes at ${offset}): ${describeErrno(errno)}`,
        {
          ...(errno === 1 || errno === 13
            ? { hint: 'the map or event does not allow this kind of mapping' }
            : {}),
        },
      );
    }
    return new MemoryMap(address as bigint, length);
  }

  get mapped(): boolean {
    return this.#mapped;
  }

  unmap(): void {
    if (!this.#mapped) return;
    this.#mapped = false;
    mman().munmap(this.#address, this.length);
  }
}
