import { release } from 'node:os';
import {
  type BpfkitErrorOptions,
  BtfError,
  type ErrorLocation,
  KernelError,
  NotSupportedError,
  PermissionError,
} from '@bpfkit/core';
import { BpfCommand, commandIntroducedIn, commandName } from './bpf-command.js';
import { describeErrno, Errno } from './errno.js';

/** What a failed bpf() call was about, for the message and the error's location. */
export interface CallSubject {
  /** 'map foo', 'program bar', 'pin /sys/fs/bpf/x' */
  what?: string;
  location?: ErrorLocation;
  /** true when the process is known to hold CAP_BPF and CAP_SYS_ADMIN (EPERM is then not about capabilities) */
  privileged?: boolean;
  /** extra facts for the hint of a specific errno */
  maxEntries?: number;
  /** the running kernel's release (default os.release()), to tell "too old" from "invalid" */
  kernelRelease?: string;
}

/**
 * Turns the errno of a failed bpf() command into bpfkit's typed error. Shared by the Linux backend
 * and the simulated kernel, so both fail with the same classes and the same words.
 */
export function bpfError(
  cmd: number,
  errno: number,
  subject: CallSubject = {},
): KernelError | NotSupportedError {
  const name = commandName(cmd);
  const on = subject.what ? ` on ${subject.what}` : '';
  const message = `${name}${on}: ${describeErrno(errno)}`;
  const location = subject.location ?? {};

  if (errno === Errno.ENOSYS) {
    return new NotSupportedError('bpf() system call', `${name}${on}: the kernel has no bpf() system call`, {
      location,
      hint: 'the kernel was built without CONFIG_BPF_SYSCALL',
    });
  }
  const running = subject.kernelRelease ?? release();
  if ((errno === Errno.EINVAL || errno === Errno.E2BIG) && commandMissing(cmd, running)) {
    const [major, minor] = commandIntroducedIn(cmd)!;
    return new NotSupportedError(name, `${name} needs Linux ${major}.${minor}, running ${running}`, {
      location,
    });
  }
  if (errno === Errno.EPERM) {
    if (subject.privileged) {
      return new KernelError(name, errno, message, {
        location,
        hint:
          hintFor(cmd, errno, subject).hint ??
          'the process holds CAP_BPF and CAP_SYS_ADMIN, so the kernel refused for another reason ' +
            '(a program type without trampoline support, lockdown, or a read-only map)',
      });
    }
    return new PermissionError(name, errno, message, {
      location,
      hint: `${name} needs CAP_BPF (plus CAP_PERFMON/CAP_NET_ADMIN for some program types) or CAP_SYS_ADMIN; run as root`,
    });
  }
  return new KernelError(name, errno, message, { location, ...hintFor(cmd, errno, subject) });
}

function hintFor(cmd: number, errno: number, subject: CallSubject): { hint?: string } {
  const isElemOp =
    cmd === BpfCommand.MAP_UPDATE_ELEM ||
    cmd === BpfCommand.MAP_UPDATE_BATCH ||
    cmd === BpfCommand.MAP_LOOKUP_ELEM ||
    cmd === BpfCommand.MAP_DELETE_ELEM;
  if (isElemOp && errno === Errno.EEXIST) return { hint: 'the key exists and BPF_NOEXIST was given' };
  if (isElemOp && errno === Errno.ENOENT) return { hint: 'the key does not exist and BPF_EXIST was given' };
  if (isElemOp && errno === Errno.E2BIG) {
    const limit = subject.maxEntries === undefined ? '' : ` (max_entries ${subject.maxEntries})`;
    return { hint: `the map is full${limit}, or the key is out of range for an array` };
  }
  if (cmd === BpfCommand.MAP_DELETE_ELEM && errno === Errno.EINVAL) {
    return { hint: 'array maps cannot delete elements; write a zero value instead' };
  }
  if (errno === Errno.EBADF || errno === Errno.EBADFD)
    return { hint: 'the file descriptor is closed or is not a BPF object' };
  if (errno === Errno.EMFILE) return { hint: 'the process ran out of file descriptors (ulimit -n)' };
  if (errno === Errno.ENOMEM)
    return { hint: 'the kernel could not allocate memory (memlock limit or map too large)' };
  if (cmd === BpfCommand.OBJ_PIN && errno === Errno.EEXIST)
    return { hint: 'a pin already exists at that path' };
  if ((cmd === BpfCommand.OBJ_PIN || cmd === BpfCommand.OBJ_GET) && errno === Errno.ENOENT) {
    return { hint: 'the path does not exist or its directory is not on a bpffs (mount -t bpf bpf <dir>)' };
  }
  if (cmd === BpfCommand.OBJ_PIN && errno === Errno.EPERM) {
    return { hint: 'the directory is not on a bpffs, or the name contains a dot' };
  }
  if ((cmd === BpfCommand.MAP_UPDATE_ELEM || cmd === BpfCommand.MAP_FREEZE) && errno === Errno.EPERM) {
    return { hint: 'the map is frozen or read-only for user space' };
  }
  if (cmd === BpfCommand.MAP_FREEZE && errno === Errno.EBUSY) {
    return { hint: 'writable memory maps of the map exist' };
  }
  return {};
}

/** True when the running kernel is older than the release that introduced `cmd`. */
function commandMissing(cmd: number, running: string): boolean {
  const needed = commandIntroducedIn(cmd);
  if (!needed) return false;
  const match = /^(\d+)\.(\d+)/.exec(running);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major < needed[0] || (major === needed[0] && minor < needed[1]);
}

/**
 * BTF_LOAD was refused: the kernel's BTF verifier log is in `log`. A BtfError (so callers that
 * handle malformed BTF catch it) that also carries the errno like a KernelError.
 */
export class BtfLoadError extends BtfError {
  readonly errno: number;
  readonly syscall = 'BPF_BTF_LOAD';
  readonly log: string;
  constructor(errno: number, message: string, log: string, options: BpfkitErrorOptions = {}) {
    super(message, options);
    this.errno = errno;
    this.log = log;
  }
}
