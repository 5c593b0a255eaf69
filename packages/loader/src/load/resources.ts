import { type EventSink, KernelError, type KernelObjectKind } from '@bpfkit/core';
import { Errno, type Fd, type KernelBackend, removeEmptyDirectories } from '@bpfkit/kernel-backend';

interface Held {
  kind: KernelObjectKind;
  name: string;
  fd?: Fd;
  pinPath?: string;
  /** directories the pin had to create, outermost first */
  directories?: readonly string[];
}

/**
 * Everything a load has created so far, so that a failure can undo it in reverse order: every
 * fd closed, every pin this load made removed (pins it found and reused are left alone), and every
 * directory made for those pins removed again when it is empty.
 */
export class LoadResources {
  readonly #held: Held[] = [];
  readonly #backend: KernelBackend;
  readonly #events: EventSink;

  constructor(backend: KernelBackend, events: EventSink) {
    this.#backend = backend;
    this.#events = events;
  }

  /** Records an fd the load owns; it is closed if the load fails. */
  adopt(kind: KernelObjectKind, name: string, fd: Fd, id?: number): Fd {
    this.#held.push({ kind, name, fd });
    this.#events.emit({
      type: 'object-created',
      kind,
      name,
      fd: fd.value,
      ...(id === undefined ? {} : { id }),
    });
    return fd;
  }

  /**
   * Pins an object and records the pin (and the directories made for it); they are removed if the
   * load fails. False when something is pinned at path already (EEXIST): the caller decides.
   */
  pin(name: string, fd: Fd, path: string): boolean {
    let directories: readonly string[];
    try {
      directories = this.#backend.pin(fd, path);
    } catch (error) {
      if (error instanceof KernelError && error.errno === Errno.EEXIST) return false;
      throw error;
    }
    this.#held.push({ kind: 'pin', name, pinPath: path, directories });
    this.#events.emit({ type: 'object-created', kind: 'pin', name, path });
    return true;
  }

  /** Stops tracking an fd the load closes itself (an inner-map template). */
  release(fd: Fd): void {
    const index = this.#held.findIndex((h) => h.fd === fd);
    if (index >= 0) this.#held.splice(index, 1);
    fd.close();
  }

  /** Undoes everything, newest first; never throws (the original failure matters more). */
  rollback(): void {
    for (const held of this.#held.reverse()) {
      try {
        if (held.pinPath !== undefined) {
          this.#backend.unpin(held.pinPath);
          removeEmptyDirectories(held.directories ?? []);
        } else held.fd?.close();
        this.#events.emit({
          type: 'object-released',
          kind: held.kind,
          name: held.name,
          ...(held.fd ? { fd: held.fd.value } : {}),
          ...(held.pinPath === undefined ? {} : { path: held.pinPath }),
        });
      } catch {
        // keep undoing the rest
      }
    }
    this.#held.length = 0;
  }

  /** The load succeeded: the loaded object owns the fds now. */
  commit(): void {
    this.#held.length = 0;
  }
}
