import { readFileSync, realpathSync } from 'node:fs';
import { NotFoundError, UsageError } from '@bpfkit/core';

/**
 * A file of the host a caller named (a binary to probe, a process's maps), read whole. A missing
 * or unreadable file is a typed error that says what the file was for, never a raw Node error.
 */
export function readHostFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new NotFoundError(`${what} ${path} does not exist`, { hint: 'check the path', cause: error });
    }
    throw new UsageError(`cannot read ${what} ${path}: ${code ?? String(error)}`, {
      hint: code === 'EACCES' ? 'run as root, or make the file readable' : 'give a readable regular file',
      cause: error,
    });
  }
}

/** The real path of a binary a caller named (symlinks resolved, as the kernel's uprobes need). */
export function resolveHostBinary(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    throw new NotFoundError(`no binary at ${path}`, {
      hint: 'give the path of an executable or shared library',
      cause: error,
    });
  }
}
