import { ElfError, type ErrorLocation } from '@bpfkit/core';

/** Throws the reader's one error type; every check in this package ends here. */
export function fail(message: string, location: ErrorLocation, hint?: string): never {
  throw new ElfError(message, hint === undefined ? { location } : { location, hint });
}

/** "0x1f" — offsets and sizes read best in hex, as llvm-readelf prints them. */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
