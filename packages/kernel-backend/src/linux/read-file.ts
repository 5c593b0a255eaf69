import { nativeAddon } from './libc.js';

let readFile: ((path: string) => ArrayBuffer | number) | null | undefined;

/**
 * The bytes of the regular file at `path`, in a buffer of their own, read with one native call
 * (the addon's readFile: open, fstat, read, close). From JavaScript each of those syscalls costs
 * Node a return from the kernel of its own: 11–12 µs against 16 µs through fs for a 17 KiB object.
 * Undefined when the addon is absent, the file is not a plain regular file, or the read failed:
 * the caller then reads it as it always does, and reports any error with its code.
 */
export function readRegularFile(path: string): Uint8Array | undefined {
  if (readFile === undefined) readFile = nativeAddon()?.readFile ?? null;
  if (readFile === null) return undefined;
  const result = readFile(path);
  return typeof result === 'number' ? undefined : new Uint8Array(result);
}
