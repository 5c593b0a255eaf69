/**
 * The contents of one simulated map. Methods throw SimFault with the errno the kernel's map ops
 * answer (kernel/bpf/arraymap.c, hashtab.c) so callers see identical errors on both backends.
 */
export interface MapStore {
  /** the stored value, or undefined for ENOENT */
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array, flags: number): void;
  /** false for ENOENT */
  delete(key: Uint8Array): boolean;
  /** the key after `key` (the first when null or unknown), undefined at the end */
  nextKey(key: Uint8Array | null): Uint8Array | undefined;
  /** number of entries that hold a value */
  readonly size: number;
}

export function keyOf(key: Uint8Array, keySize: number): string {
  return Buffer.from(key.buffer, key.byteOffset, keySize).toString('hex');
}

export function copyBytes(bytes: Uint8Array, length: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, 0, length);
}
