import { isBpfkitError } from '@bpfkit/core';
import type { Fd, KernelBackend, ObjectKind } from '@bpfkit/kernel-backend';

/**
 * Every object of a kind, walked by id (BPF_*_GET_NEXT_ID, then *_GET_FD_BY_ID) as bpftool's
 * list commands walk them; an object gone between the two calls (ENOENT) is skipped.
 */
export function walkObjects<T>(
  backend: KernelBackend,
  kind: ObjectKind,
  open: (id: number) => Fd,
  describe: (fd: Fd) => T,
): T[] {
  const found: T[] = [];
  for (let id = backend.nextId(kind, 0); id !== undefined; id = backend.nextId(kind, id)) {
    try {
      using fd = open(id);
      found.push(describe(fd));
    } catch (error) {
      if (!(isBpfkitError(error) && 'errno' in error && error.errno === 2)) throw error;
    }
  }
  return found;
}
