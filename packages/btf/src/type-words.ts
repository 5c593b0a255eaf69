import type { ByteOrder } from './header.js';

/** The byte order of the machine we run on: typed arrays read in it. */
export const HOST_BYTE_ORDER: ByteOrder =
  new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 'little' : 'big';

/**
 * Every field of the type section is a 32-bit word (btf_type, the INT word, btf_array, members,
 * enum values, params, var_secinfo), so the section is read as a Uint32Array. In host byte order
 * and 4-aligned it is a view of the bytes; otherwise a copy with each word byte-swapped.
 */
export function typeWords(
  bytes: Uint8Array,
  start: number,
  length: number,
  byteOrder: ByteOrder,
): Uint32Array {
  const count = length >>> 2;
  const absolute = bytes.byteOffset + start;
  if (byteOrder === HOST_BYTE_ORDER && absolute % 4 === 0) {
    return new Uint32Array(bytes.buffer, absolute, count);
  }
  const words = new Uint32Array(count);
  const copy = new Uint8Array(words.buffer);
  copy.set(bytes.subarray(start, start + count * 4));
  if (byteOrder !== HOST_BYTE_ORDER) {
    for (let i = 0; i < copy.length; i += 4) {
      const a = copy[i]!;
      const b = copy[i + 1]!;
      copy[i] = copy[i + 3]!;
      copy[i + 1] = copy[i + 2]!;
      copy[i + 2] = b;
      copy[i + 3] = a;
    }
  }
  return words;
}
