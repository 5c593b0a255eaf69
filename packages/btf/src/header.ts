import { BtfError, bufferView } from '@bpfkit/core';
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION } from './constants.js';

export type ByteOrder = 'little' | 'big';

/** struct btf_header, with the sections' offsets made absolute (from the start of the bytes). */
export interface BtfHeader {
  byteOrder: ByteOrder;
  version: number;
  flags: number;
  hdrLen: number;
  /** absolute byte offset and length of the type section */
  typeStart: number;
  typeLen: number;
  /** absolute byte offset and length of the string section */
  strStart: number;
  strLen: number;
}

/** The byte order the magic is written in, or undefined when the first two bytes are not a BTF magic. */
export function detectByteOrder(bytes: Uint8Array, offset = 0): ByteOrder | undefined {
  if (bytes.length < offset + 2) return undefined;
  const first = bytes[offset]!;
  const second = bytes[offset + 1]!;
  if (first === (BTF_MAGIC & 0xff) && second === BTF_MAGIC >> 8) return 'little';
  if (first === BTF_MAGIC >> 8 && second === (BTF_MAGIC & 0xff)) return 'big';
  return undefined;
}

function fail(message: string, field: string, byteOffset: number, hint?: string): never {
  throw new BtfError(
    message,
    hint === undefined ? { location: { field, byteOffset } } : { location: { field, byteOffset }, hint },
  );
}

/**
 * Reads and checks the header the way libbpf's btf_parse_hdr does: known magic in either byte
 * order, version 1, a header no shorter than struct btf_header, sections inside the data, the
 * type section 4-aligned and ahead of the string section.
 */
export function parseBtfHeader(bytes: Uint8Array): BtfHeader {
  if (bytes.length < 8) fail(`BTF is ${bytes.length} bytes, shorter than its header`, 'btf_header', 0);
  const byteOrder = detectByteOrder(bytes);
  if (byteOrder === undefined) {
    fail(
      `bad BTF magic 0x${((bytes[0]! << 8) | bytes[1]!).toString(16)}`,
      'magic',
      0,
      'expected 0xeb9f in either byte order; is this a .BTF section?',
    );
  }
  // the checks below keep every read inside `bytes`: read through a kept view of their buffer
  const view = bufferView(bytes.buffer);
  const base = bytes.byteOffset;
  const le = byteOrder === 'little';
  const version = bytes[2]!;
  if (version !== BTF_VERSION) fail(`unsupported BTF version ${version}`, 'version', 2);
  const hdrLen = view.getUint32(base + 4, le);
  if (hdrLen < BTF_HEADER_SIZE) fail(`BTF header length ${hdrLen} is below ${BTF_HEADER_SIZE}`, 'hdr_len', 4);
  if (hdrLen > bytes.length)
    fail(`BTF header length ${hdrLen} exceeds the ${bytes.length} bytes`, 'hdr_len', 4);
  // A longer header from a newer kernel is fine only if the fields we do not know are zero.
  for (let i = BTF_HEADER_SIZE; i < hdrLen; i++) {
    if (bytes[i] !== 0) fail('BTF header has unknown non-zero fields', 'hdr_len', i);
  }
  const typeOff = view.getUint32(base + 8, le);
  const typeLen = view.getUint32(base + 12, le);
  const strOff = view.getUint32(base + 16, le);
  const strLen = view.getUint32(base + 20, le);
  const dataLen = bytes.length - hdrLen;
  if (typeOff % 4 !== 0) fail(`type section offset ${typeOff} is not 4-byte aligned`, 'type_off', 8);
  if (typeOff + typeLen > dataLen) {
    fail(`type section (${typeOff}+${typeLen}) runs past the ${dataLen} data bytes`, 'type_len', 12);
  }
  if (strOff + strLen > dataLen) {
    fail(`string section (${strOff}+${strLen}) runs past the ${dataLen} data bytes`, 'str_len', 20);
  }
  if (typeOff + typeLen > strOff && strLen > 0) {
    fail('type section overlaps or follows the string section', 'str_off', 16);
  }
  return {
    byteOrder: byteOrder!,
    version,
    flags: bytes[3]!,
    hdrLen,
    typeStart: hdrLen + typeOff,
    typeLen,
    strStart: hdrLen + strOff,
    strLen,
  };
}
