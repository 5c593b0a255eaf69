import { basename, dirname, join } from 'node:path';
import { KernelError, PinConflictError, UsageError } from '@bpfkit/core';
import { Errno, type KernelBackend } from '@bpfkit/kernel-backend';
import type { LiveProgram } from '../live/live-program.js';

export interface PinProgramsOptions {
  /**
   * Replace pins of the same names that an earlier run left in the directory (a complete set, or
   * the part of one a killed process made). Without it such a directory is refused.
   */
  replace?: boolean;
}

/**
 * Pins every program at `<dir>/<program name>` (bpftool prog loadall's layout) so that the set
 * appears whole or not at all: the pins are made in a staging directory beside `dir` and moved
 * into place with one rename(2) (bpffs supports it), so a process killed part-way leaves no half
 * set under `dir`. When `dir` already holds other entries, each pin is renamed in on its own (one
 * rename per pin: each appears whole). One pinning process per directory at a time.
 * On failure everything this call pinned or created is removed again.
 */
export function pinPrograms(
  programs: Iterable<LiveProgram>,
  dir: string,
  backend: KernelBackend,
  options: PinProgramsOptions = {},
): string[] {
  const list = [...programs];
  const existing = listDirectory(backend, dir);
  const taken = list.filter((p) => existing?.includes(p.name)).map((p) => p.name);
  if (taken.length > 0 && !options.replace) {
    throw new PinConflictError(`${dir} already holds pins named ${taken.join(', ')} (from an earlier run)`, {
      hint: 'pass { replace: true } to replace them, or remove the directory (rm -r) first',
    });
  }
  const staging = join(dirname(dir), `${basename(dir)}_staging`);
  removeStaging(backend, staging);

  const staged: string[] = [];
  let createdDirs: readonly string[] = [];
  try {
    for (const program of list) {
      const path = join(staging, program.name);
      const made = wrapFsError(() => backend.pin(program.fd, path), `pin program ${program.name} at ${path}`);
      if (staged.length === 0) createdDirs = made;
      staged.push(path);
    }
    if (staged.length === 0) return [];
    if (existing === undefined || existing.length === 0) {
      backend.renamePin(staging, dir);
    } else {
      for (const program of list) backend.renamePin(join(staging, program.name), join(dir, program.name));
      staged.length = 0;
      ignoreFailure(() => backend.unpin(staging));
    }
  } catch (error) {
    for (const path of staged) ignoreFailure(() => backend.unpin(path));
    for (const made of [...createdDirs].reverse()) ignoreFailure(() => backend.unpin(made));
    throw error;
  }
  return list.map((p) => join(dir, p.name));
}

/** The entries of dir, undefined when it does not exist; a file in its place is a usage error. */
function listDirectory(backend: KernelBackend, dir: string): string[] | undefined {
  try {
    return backend.listPins(dir);
  } catch (error) {
    if (error instanceof KernelError && error.errno === Errno.ENOTDIR) {
      throw new UsageError(`cannot pin programs in ${dir}: it is not a directory`, {
        hint: 'give a directory on a bpffs mount (for example /sys/fs/bpf/myprog) that is free or absent',
        cause: error,
      });
    }
    throw error;
  }
}

/** A staging directory left by a killed run: its pins are orphans, remove them. */
function removeStaging(backend: KernelBackend, staging: string): void {
  const orphans = listDirectory(backend, staging);
  if (orphans === undefined) return;
  for (const name of orphans) backend.unpin(join(staging, name));
  ignoreFailure(() => backend.unpin(staging));
}

function wrapFsError<T>(run: () => T, what: string): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof KernelError && error.errno === Errno.ENOTDIR) {
      throw new UsageError(`cannot ${what}: a file sits where a directory is needed`, {
        hint: 'give a directory on a bpffs mount (for example /sys/fs/bpf/myprog) that is free or absent',
        cause: error,
      });
    }
    throw error;
  }
}

function ignoreFailure(run: () => void): void {
  try {
    run();
  } catch {
    // undoing: the first failure is the one to report
  }
}
