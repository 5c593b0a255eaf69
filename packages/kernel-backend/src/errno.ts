// The errno values bpf() answers with (asm-generic/errno-base.h, errno.h, and the kernel-internal
// ENOTSUPP that leaks out of bpf()), with the names and phrases used in bpfkit's messages.

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  /** fd in bad state: what newer kernels answer for a closed fd in OBJ_GET_INFO_BY_FD */
  EBADFD: 77,
  ELOOP: 40,
  /** BPF_LINK_DETACH of a link that is already detached */
  ENOLINK: 67,
  EOPNOTSUPP: 95,
  /** kernel-internal "operation is not supported", visible through bpf() */
  ENOTSUPP: 524,
} as const;

const errnoNames = new Map<number, string>(Object.entries(Errno).map(([name, value]) => [value, name]));

const phrases: Record<number, string> = {
  [Errno.EPERM]: 'operation not permitted',
  [Errno.ENOENT]: 'no such entry',
  [Errno.E2BIG]: 'argument list too long',
  [Errno.EBADF]: 'bad file descriptor',
  [Errno.EAGAIN]: 'resource temporarily unavailable',
  [Errno.ENOMEM]: 'cannot allocate memory',
  [Errno.EACCES]: 'permission denied',
  [Errno.EFAULT]: 'bad address',
  [Errno.EBUSY]: 'device or resource busy',
  [Errno.EEXIST]: 'already exists',
  [Errno.EXDEV]: 'cross-device link',
  [Errno.ENODEV]: 'no such device',
  [Errno.ENOTDIR]: 'not a directory',
  [Errno.ENOTEMPTY]: 'directory not empty',
  [Errno.EINVAL]: 'invalid argument',
  [Errno.EMFILE]: 'too many open files',
  [Errno.ENOSPC]: 'no space left',
  [Errno.ENOSYS]: 'function not implemented',
  [Errno.EBADFD]: 'file descriptor in bad state',
  [Errno.EOPNOTSUPP]: 'operation not supported',
  [Errno.ENOTSUPP]: 'operation not supported by the kernel',
};

/** "ENOENT", or "errno 123" for a number this table does not know. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** "no such entry (ENOENT)" */
export function describeErrno(errno: number): string {
  const phrase = phrases[errno];
  return phrase ? `${phrase} (${errnoName(errno)})` : errnoName(errno);
}
