import { KernelError } from '@bpfkit/core';
import koffi from 'koffi';
import { describeErrno } from '../errno.js';
import { Fd, type FdOwner } from '../fd.js';
import { HOST } from '../linux/arch-table.js';

// Syscall numbers and open(2) flags per architecture (linux/arch-table.ts).
const SYS_PERF_EVENT_OPEN = HOST.perfEventOpen;
export const O_RDONLY = 0;
export const O_DIRECTORY = HOST.oDirectory;
export const O_CLOEXEC = 0o2000000;

/**
 * The libc calls that attach and event code makes besides bpf(): files, ioctl, perf_event_open,
 * socket options. Each answers the result or -errno, like Libc.bpf.
 */
interface OsCalls {
  open(path: string, flags: number): number;
  read(fd: number, buffer: Uint8Array, length: number): number;
  close(fd: number): number;
  ioctl(fd: number, request: number, argument: number): number;
  perfEventOpen(attrAddress: number, pid: number, cpu: number, groupFd: number, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: Int32Array, length: number): number;
  mount(source: string, target: string, type: string): number;
}

let bound: OsCalls | undefined;

export function osCalls(): OsCalls {
  bound ??= bind();
  return bound;
}

function bind(): OsCalls {
  const lib = koffi.load('libc.so.6');
  const open = lib.func('int open(const char *, int)');
  const read = lib.func('long read(int, _Out_ uint8_t *, unsigned long)');
  const close = lib.func('int close(int)');
  const ioctl = lib.func('int ioctl(int, unsigned long, unsigned long)');
  const syscall = lib.func('long syscall(long, long, long, long, long, unsigned long)');
  const setsockopt = lib.func('int setsockopt(int, int, int, const int32_t *, uint32_t)');
  const mount = lib.func('int mount(const char *, const char *, const char *, unsigned long, void *)');
  const result = (value: number): number => (value < 0 ? -koffi.errno() : value);
  return {
    open: (path, flags) => result(open(path, flags)),
    read: (fd, buffer, length) => result(read(fd, buffer, length)),
    close: (fd) => result(close(fd)),
    ioctl: (fd, request, argument) => result(ioctl(fd, request, argument)),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      result(syscall(SYS_PERF_EVENT_OPEN, attr, pid, cpu, groupFd, flags)),
    setsockopt: (fd, level, name, value, length) => result(setsockopt(fd, level, name, value, length)),
    mount: (source, target, type) => result(mount(source, target, type, 0, null)),
  };
}

/** Plain descriptors (perf events, directories, namespaces) close with close(2). */
export const osFdOwner: FdOwner = {
  close(fd) {
    const result = osCalls().close(fd);
    if (result < 0) throw new KernelError('close', -result, `close(${fd}): ${describeErrno(-result)}`);
  },
};

/** A KernelError for a failed OS call: "open /sys/fs/cgroup/x: no such entry (ENOENT)". */
export function osError(syscall: string, errno: number, what: string, hint?: string): KernelError {
  return new KernelError(syscall, errno, `${syscall} ${what}: ${describeErrno(errno)}`, {
    ...(hint === undefined ? {} : { hint }),
  });
}

/** open(2) with O_CLOEXEC, as an owned Fd. */
export function openFile(path: string, flags: number, hint?: string): Fd {
  const fd = osCalls().open(path, flags | O_CLOEXEC);
  if (fd < 0) throw osError('open', -fd, path, hint);
  return new Fd(fd, osFdOwner);
}

/** read(2) until end of file; EAGAIN/EINTR are retried. */
export function readToEnd(fd: number, what: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const n = osCalls().read(fd, buffer, buffer.length);
    if (n === -4 /* EINTR */ || n === -11 /* EAGAIN */) continue;
    if (n < 0) throw osError('read', -n, what);
    if (n === 0) break;
    chunks.push(buffer.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
