import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { HOST, hostArch } from './arch-table.js';

/** __NR_bpf of the running architecture (arch-table.ts). */
export const SYS_BPF = HOST.bpf;
const F_DUPFD_CLOEXEC = 1030;

/**
 * The libc functions bpfkit calls, bound once per process. Pointers are passed as plain numbers
 * (addresses from koffi.address, computed once per buffer): it is the cheapest koffi call style
 * measured here, about 10% faster than letting koffi pin a Buffer argument on every call.
 */
export interface Libc {
  /** true when bpf() is a native addon's (bpf_fast_call.cc or bpf_syscall.c) rather than koffi's */
  native: boolean;
  /** true when bpf() is the V8 fast call (native/bpf_fast_call.cc): no bound call is needed */
  fast: boolean;
  /** syscall(SYS_BPF, cmd, attr, size): the result, or -errno on failure */
  bpf(cmd: number, attrAddress: number, size: number): number;
  /**
   * bpf(cmd) bound to one attr buffer (the addon's bindAttr: one argument to convert per call, the
   * map hot path); undefined on the koffi path, with an addon built before it had bindAttr, and when
   * bpf() is the fast call (it takes its three numbers as they are).
   */
  bindAttr: ((attrAddress: number, size: number) => (cmd: number) => number) | undefined;
  /** close(2): 0 or -errno */
  close(fd: number): number;
  /** fcntl(fd, F_DUPFD_CLOEXEC, 0): the new fd or -errno */
  dupCloexec(fd: number): number;
  /** pthread_sigmask(how, set, old) on the calling thread: 0 or an errno (sigset_t buffers) */
  signalMask(how: number, set: Uint8Array, old: Uint8Array | null): number;
  /**
   * The bare koffi function, for the map hot path: syscall(SYS_BPF, cmd, attr, size) answers -1 on
   * failure and the caller reads errno(); no wrapper between JS and koffi.
   */
  readonly syscall: (nr: number, cmd: number, attrAddress: number, size: number) => number;
  errno(): number;
}

let bound: Libc | undefined;

export function libc(): Libc {
  bound ??= bind();
  return bound;
}

/** What native/bpf_syscall.c exports. */
export interface NativeAddon {
  bpf: Libc['bpf'];
  bindAttr?: NonNullable<Libc['bindAttr']>;
  /** an empty Node-API call: the floor of any native call (bench notes) */
  nop?: () => void;
  /**
   * a whole regular file in a buffer of its own, or its length when it went into the slab, or
   * -errno, or 0 for a file it leaves to fs (read-file.ts)
   */
  readFile?: (path: string, slab?: ArrayBuffer, offset?: number, room?: number) => ArrayBuffer | number;
}

/** What native/bpf_fast_call.cc exports. */
export interface FastCallAddon {
  bpf: Libc['bpf'];
  /** an empty fast call */
  nop: () => void;
  /** how many calls took the fast path in this process: the proof that V8 takes it */
  fastCallCount: () => number;
}

/** What native/file_slabs.cc exports. */
export interface FileSlabsAddon {
  /** bytes in each slab */
  SLAB_SIZE: number;
  /**
   * an ArrayBuffer of SLAB_SIZE bytes, on memory a dead slab gave back when there is one (not
   * zeroed: it may hold bytes of files read before, as Node's Buffer pool may)
   */
  slab: () => ArrayBuffer;
  /** how many dead slabs' memory waits for reuse */
  keptSlabs: () => number;
}

/** The Node-API addon built at install (native/bpf_syscall.c), unless BPFKIT_NATIVE=0 or it is absent. */
export function nativeAddon(): NativeAddon | undefined {
  if (process.env.BPFKIT_NATIVE === '0') return undefined;
  return loadAddon<NativeAddon>('bpf_syscall.node');
}

/**
 * The fast-call addon built at install for Node 20 (native/bpf_fast_call.cc), unless
 * BPFKIT_NATIVE=0 or BPFKIT_FAST_CALL=0, or it is absent or built for another Node.
 */
export function fastCallAddon(): FastCallAddon | undefined {
  if (process.env.BPFKIT_NATIVE === '0' || process.env.BPFKIT_FAST_CALL === '0') return undefined;
  return loadAddon<FastCallAddon>('bpf_fast_call.node');
}

/** The file-slab addon built at install (native/file_slabs.cc), unless BPFKIT_NATIVE=0 or it is absent. */
export function fileSlabsAddon(): FileSlabsAddon | undefined {
  if (process.env.BPFKIT_NATIVE === '0') return undefined;
  return loadAddon<FileSlabsAddon>('file_slabs.node');
}

function loadAddon<T>(file: string): T | undefined {
  const path = addonPath(file);
  if (path === undefined) return undefined;
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch {
    // built for another Node (NODE_MODULE_VERSION): the next path down serves
    return undefined;
  }
}

/**
 * Where the install built `file`: native/build of this package, found from this module's own
 * place or, when this code runs from another package's bundle (the `bpfkit` command's), from
 * where @bpfkit/kernel-backend resolves. Undefined when it was not built.
 */
function addonPath(file: string): string | undefined {
  const beside = fileURLToPath(new URL(`../../native/build/${file}`, import.meta.url));
  if (existsSync(beside)) return beside;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@bpfkit/kernel-backend'); // <package>/dist/index.js
  } catch {
    return undefined;
  }
  const installed = join(dirname(entry), '..', 'native', 'build', file);
  return existsSync(installed) ? installed : undefined;
}

/** Which path bpf() calls take: the V8 fast call, the Node-API addon, or koffi's FFI. */
export function bpfCallPath(): 'fast-call' | 'native' | 'koffi' {
  const bound = libc();
  return bound.fast ? 'fast-call' : bound.native ? 'native' : 'koffi';
}

function bind(): Libc {
  hostArch(); // NotSupportedError on a platform without a syscall table
  const lib = koffi.load('libc.so.6');
  const syscall = lib.func('long syscall(long, long, long, unsigned int)');
  const close = lib.func('int close(int)');
  const fcntl = lib.func('int fcntl(int, int, int)');
  const signalMask = lib.func('int pthread_sigmask(int, const uint8_t *, _Out_ uint8_t *)');
  const addon = nativeAddon();
  const fast = fastCallAddon()?.bpf;
  const native = fast ?? addon?.bpf;
  return {
    native: native !== undefined,
    fast: fast !== undefined,
    bindAttr: fast ? undefined : addon?.bindAttr,
    syscall: syscall as (nr: number, cmd: number, attrAddress: number, size: number) => number,
    errno: () => koffi.errno(),
    bpf:
      native ??
      ((cmd, attrAddress, size) => {
        const result = syscall(SYS_BPF, cmd, attrAddress, size) as number;
        return result < 0 ? -koffi.errno() : result;
      }),
    close(fd) {
      return close(fd) < 0 ? -koffi.errno() : 0;
    },
    dupCloexec(fd) {
      const result = fcntl(fd, F_DUPFD_CLOEXEC, 0) as number;
      return result < 0 ? -koffi.errno() : result;
    },
    signalMask: (how, set, old) => signalMask(how, set, old) as number,
  };
}

/** SIGPROF (27 in asm-generic and on x86-64), and pthread_sigmask's SIG_BLOCK and SIG_SETMASK. */
const SIGPROF = 27;
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
/** glibc's sigset_t: 1024 bits */
const SIGSET_BYTES = 128;

/** The set holding SIGPROF alone: bit SIGPROF - 1 of the first unsigned long, in host order. */
const profilerSignal = new Uint8Array(SIGSET_BYTES);
new BigUint64Array(profilerSignal.buffer, 0, 1)[0] = 1n << BigInt(SIGPROF - 1);
const savedMask = new Uint8Array(SIGSET_BYTES);

/**
 * Runs `call` with SIGPROF blocked on this thread, then restores the thread's signal mask. V8's CPU
 * profiler (node --cpu-prof, the inspector's Profiler) signals the thread it samples with SIGPROF
 * at every sample, 1 ms apart by default, and the kernel stops long bpf() commands as soon as a
 * signal is pending: the verifier with EAGAIN (do_check in kernel/bpf/verifier.c), a test run with
 * EINTR (bpf_test_timer_continue). A program whose verification outlasted the interval never
 * loaded in a profiled process, however often PROG_LOAD was retried. Blocked, the signal waits for
 * the call to return and the profiler takes its sample then; other signals still interrupt.
 */
export function withProfilerSignalBlocked<T>(call: () => T): T {
  const { signalMask } = libc();
  if (signalMask(SIG_BLOCK, profilerSignal, savedMask) !== 0) return call();
  try {
    return call();
  } finally {
    signalMask(SIG_SETMASK, savedMask, null);
  }
}

/** The address of a buffer's first byte, as a number (user-space addresses fit in 2^53). */
export function addressOf(bytes: Uint8Array): number {
  return Number(koffi.address(bytes));
}
