import { KernelError } from '@bpfkit/core';

/** How an Fd gives its number back: close(2) for Linux, the simulated kernel's table otherwise. */
export interface FdOwner {
  close(fd: number): void;
  /** a new descriptor for the same object (dup(2) / F_DUPFD_CLOEXEC); absent when unsupported */
  dup?(fd: number): number;
}

/**
 * An owned file descriptor. close() is idempotent; `using fd = ...` closes it at scope end.
 * Ownership is explicit on purpose: no finalizer closes a dropped Fd, because code that kept only
 * the number (an inner map fd in an attr, say) would then lose it at a random GC.
 */
export class Fd {
  readonly value: number;
  readonly #owner: FdOwner;
  #closed = false;

  constructor(value: number, owner: FdOwner) {
    if (!Number.isInteger(value) || value < 0) {
      throw new KernelError('fd', 9 /* EBADF */, `not a file descriptor: ${value}`);
    }
    this.value = value;
    this.#owner = owner;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#owner.close(this.value);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** A second, independently owned descriptor for the same kernel object. */
  dup(): Fd {
    if (this.#closed) throw new KernelError('dup', 9 /* EBADF */, `fd ${this.value} is closed`);
    if (!this.#owner.dup) throw new KernelError('dup', 95 /* EOPNOTSUPP */, 'this backend cannot dup fds');
    return new Fd(this.#owner.dup(this.value), this.#owner);
  }

  toString(): string {
    return `fd ${this.value}${this.#closed ? ' (closed)' : ''}`;
  }
}

/**
 * The raw number of an Fd, of an object holding one (a live map or program), or a plain number;
 * throws on a closed Fd so a stale handle never reaches the kernel.
 */
export function fdValue(arg: Fd | number | { readonly fd: Fd }, syscall = 'bpf'): number {
  if (typeof arg === 'number') return arg;
  const fd = arg instanceof Fd ? arg : arg.fd;
  if (fd.closed) throw new KernelError(syscall, 9 /* EBADF */, `${syscall}: ${fd} was already closed`);
  return fd.value;
}
