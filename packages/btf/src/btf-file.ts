import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NotFoundError, UsageError } from '@bpfkit/core';

type Koffi = typeof import('koffi');

/** Where the kernel publishes its BTF: files that never change while the system runs. */
const SYSFS_BTF = '/sys/kernel/btf/';
// mman-common.h
const PROT_READ = 0x1;
const MAP_PRIVATE = 0x02;
const MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

interface MappingCalls {
  koffi: Koffi;
  mmap(address: null, length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  munmap(address: bigint, length: number): number;
}

let calls: MappingCalls | null | undefined;
/** Unmaps a mapping once no view of its bytes is left (the ArrayBuffer itself was collected). */
const unmapWhenUnreachable = new FinalizationRegistry<{ address: bigint; length: number }>(
  ({ address, length }) => calls?.munmap(address, length),
);

/**
 * The bytes of a BTF file. The kernel's own (/sys/kernel/btf/vmlinux) is mapped read-only where the
 * kernel allows it (Linux 6.16+), as libbpf 1.6 does: sysfs hands it out 4 KiB per read(), so
 * reading 5 MiB costs more than parsing it, and a mapping shares the kernel's copy instead of
 * making one. Anything else, or a kernel that refuses the mapping, is read. Typed errors for a
 * missing or unreadable file.
 */
export function readBtfFile(path: string): Uint8Array {
  if (path.startsWith(SYSFS_BTF)) {
    const mapped = mapReadOnly(path);
    if (mapped) return mapped;
  }
  try {
    return readFileSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
}

/** mmap(PROT_READ, MAP_PRIVATE) of the whole file, or undefined when the kernel does not allow it. */
function mapReadOnly(path: string): Uint8Array | undefined {
  const mman = mappingCalls();
  if (!mman) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const length = fstatSync(fd).size;
    if (length === 0) return undefined;
    const address = mman.mmap(null, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (address === MAP_FAILED || address === 0n) return undefined;
    const buffer = mman.koffi.view(address, length);
    unmapWhenUnreachable.register(buffer, { address, length });
    return new Uint8Array(buffer);
  } finally {
    closeSync(fd);
  }
}

/** libc's mmap/munmap through koffi, loaded on first use; null where koffi cannot load. */
function mappingCalls(): MappingCalls | null {
  if (calls !== undefined) return calls;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const libc = koffi.load('libc.so.6');
    calls = {
      koffi,
      mmap: libc.func('void *mmap(void *, size_t, int, int, int, long)'),
      munmap: libc.func('int munmap(void *, size_t)'),
    } as MappingCalls;
  } catch {
    calls = null;
  }
  return calls;
}

/** The kernel may lack BTF, or the path may be wrong: say which. */
function unreadable(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new NotFoundError(`no BTF at ${path}`, {
      hint: 'the kernel needs CONFIG_DEBUG_INFO_BTF for /sys/kernel/btf/vmlinux; or give a BTF file (--btf PATH)',
      cause: error,
    });
  }
  return new UsageError(`cannot read BTF ${path}: ${code ?? String(error)}`, { cause: error });
}
