import { KernelError } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { Fd, type FdOwner } from '../fd.js';
import { SimFault } from './fault.js';
import { FdSlotStore } from './fd-slot-store.js';
import type { SimBtf, SimMap, SimObject, SimProgram } from './objects.js';

/**
 * The simulated kernel's objects and descriptors: fd numbers, ids per kind and reference counts.
 * An object lives while an fd, a pin, a map slot or a program holds it; when the last reference
 * goes, it drops what it holds in turn (a program its maps, a link its program).
 */
export class ObjectTable {
  readonly maps = new Map<number, SimMap>();
  readonly programs = new Map<number, SimProgram>();
  readonly btfs = new Map<number, SimBtf>();
  readonly #fds = new Map<number, SimObject>();
  readonly #closed = new Set<number>();
  readonly #ids = { map: 0, program: 0, btf: 0, link: 0 };
  readonly #owner: FdOwner;
  #nextFd: number;

  constructor(firstFd: number) {
    this.#nextFd = firstFd;
    this.#owner = { close: (fd) => this.close(fd), dup: (fd) => this.#dup(fd) };
  }

  /** The next id of a kind, as the kernel's idr hands them out (from 1, never reused). */
  nextId(kind: SimObject['kind']): number {
    return ++this.#ids[kind];
  }

  /** A new fd on an object (one more reference). */
  open(object: SimObject): Fd {
    const fd = this.#nextFd++;
    object.refs++;
    this.#fds.set(fd, object);
    return new Fd(fd, this.#owner);
  }

  /** The object behind an fd: EBADF when not open, EINVAL when of another kind (as bpf() says). */
  get(fd: number, kind?: SimObject['kind']): SimObject {
    const object = this.#fds.get(fd);
    if (!object) throw new SimFault(Errno.EBADF);
    if (kind && object.kind !== kind) throw new SimFault(Errno.EINVAL);
    return object;
  }

  /** The object behind an fd, or undefined (no errno: for inspection). */
  lookup(fd: number): SimObject | undefined {
    return this.#fds.get(fd);
  }

  openFds(): number[] {
    return [...this.#fds.keys()].sort((a, b) => a - b);
  }

  openObjects(): IterableIterator<SimObject> {
    return this.#fds.values();
  }

  get openCount(): number {
    return this.#fds.size;
  }

  /** close(2): closing one twice is an error, as it is a bug in the caller. */
  close(fd: number): void {
    const object = this.#fds.get(fd);
    if (!object) {
      const why = this.#closed.has(fd) ? 'was closed twice' : 'was never opened';
      throw new KernelError('close', Errno.EBADF, `close(${fd}): fd ${why}`);
    }
    this.#fds.delete(fd);
    this.#closed.add(fd);
    this.release(object);
  }

  /** Drops one reference; the last one frees the object and what it holds. */
  release(object: SimObject): void {
    object.refs--;
    if (object.refs > 0) return;
    if (object.kind === 'map') {
      this.maps.delete(object.id);
      if (object.store instanceof FdSlotStore) object.store.releaseAll();
    } else if (object.kind === 'program') {
      this.programs.delete(object.id);
      for (const id of object.mapIds) {
        const map = this.maps.get(id);
        if (map) this.release(map);
      }
    } else if (object.kind === 'link') {
      this.release(object.program);
    } else {
      this.btfs.delete(object.id);
    }
  }

  #dup(fd: number): number {
    const object = this.#fds.get(fd);
    if (!object) throw new KernelError('fcntl', Errno.EBADF, `F_DUPFD_CLOEXEC of fd ${fd}: not open`);
    const copy = this.#nextFd++;
    object.refs++;
    this.#fds.set(copy, object);
    return copy;
  }
}
