import { mkdirSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KernelError } from '@bpfkit/core';

/**
 * Creates the missing parents of a pin path (libbpf's make_parent_dir, iproute2's bpf_mkdir) and
 * returns the ones it created, outermost first, so that an undo can remove exactly those.
 */
export function makeParentDirectories(path: string): string[] {
  const parent = dirname(path);
  let first: string | undefined;
  try {
    first = mkdirSync(parent, { recursive: true, mode: 0o700 });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    throw new KernelError(
      'mkdir',
      -(failure.errno ?? -5),
      `cannot create directory ${parent} for pin ${path}: ${failure.code ?? failure.message}`,
      {
        hint: 'a pin directory must be a directory on a bpffs mount: check that no file sits on the path',
        cause: error,
      },
    );
  }
  if (first === undefined) return [];
  const created = [parent];
  for (let dir = parent; dir !== first; ) {
    dir = dirname(dir);
    created.unshift(dir);
  }
  return created;
}

/** rmdir(2) deepest first; stops at the first that is not empty (a pin of someone else lives there). */
export function removeEmptyDirectories(outermostFirst: readonly string[]): void {
  for (let i = outermostFirst.length - 1; i >= 0; i--) {
    try {
      rmdirSync(outermostFirst[i]!);
    } catch {
      return;
    }
  }
}
