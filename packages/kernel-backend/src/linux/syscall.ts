import type { KernelError, NotSupportedError } from '@bpfkit/core';
import { bpfError, type CallSubject } from '../kernel-errors.js';
import type { AttrBuffer } from './attr-buffer.js';
import { holdsBpfCapabilities } from './capabilities.js';
import { type Libc, libc } from './libc.js';

/**
 * The single door to bpf(2). `raw` answers the result or -errno, for hot paths that turn ENOENT
 * into `false`; `call` throws bpfkit's typed error for everything else.
 */
export class BpfSyscall {
  readonly #libc: Libc = libc();

  raw(cmd: number, attr: AttrBuffer, size: number): number {
    return this.#libc.bpf(cmd, attr.address, size);
  }

  call(cmd: number, attr: AttrBuffer, size: number, subject: CallSubject = {}): number {
    const result = this.#libc.bpf(cmd, attr.address, size);
    if (result < 0) throw this.error(cmd, -result, subject);
    return result;
  }

  error(cmd: number, errno: number, subject: CallSubject = {}): KernelError | NotSupportedError {
    return bpfError(cmd, errno, { privileged: holdsBpfCapabilities(), ...subject });
  }

  close(fd: number): number {
    return this.#libc.close(fd);
  }

  dup(fd: number): number {
    return this.#libc.dupCloexec(fd);
  }
}
