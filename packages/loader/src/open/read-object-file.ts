import { closeSync, constants, openSync, readSync } from 'node:fs';
import { UsageError } from '@bpfkit/core';
import { readRegularFile } from '@bpfkit/kernel-backend';

/**
 * One reusable read buffer: objects are small (tens of KiB), and reading into a kept buffer and
 * copying out the exact size costs about half of readFileSync's fstat, allocation and reads.
 * It grows (doubling) for larger files and is never shared outside this module.
 */
let scratch: Uint8Array | undefined;
const INITIAL_SCRATCH = 256 * 1024;

/**
 * The bytes of an object file, shared with no other read (a small file's may lie in an ArrayBuffer
 * that other files' bytes share: read them through byteOffset and byteLength). UsageError when it
 * cannot be read.
 */
export function readObjectFile(path: string): Uint8Array {
  // one native call where the addon is built; otherwise (or anything but a regular file) fs
  const read = readRegularFile(path);
  if (read !== undefined) return read;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    scratch ??= new Uint8Array(INITIAL_SCRATCH);
    let buffer = scratch;
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = scratch = grown;
      }
      // position null: read on from the current offset, so pipes and character devices work too
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.slice(0, length);
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

function unreadable(path: string, error: unknown): UsageError {
  return new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
    hint: 'give the path of a BPF object file (.o)',
    cause: error,
  });
}
