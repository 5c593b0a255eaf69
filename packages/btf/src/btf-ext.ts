import { BtfError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { BTF_MAGIC, BTF_VERSION } from './constants.js';
import { type ByteOrder, detectByteOrder } from './header.js';

/** bpf_core_relo_kind, as <linux/bpf.h> numbers them. */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

/**
 * Every record keeps `insnOff` in BYTES from the start of its ELF section, exactly as the file
 * stores it (the kernel wants instruction indices: divide by 8 when relocating).
 */
export interface FuncInfoRecord {
  insnOff: number;
  /** BTF id of the FUNC */
  typeId: number;
}

export interface LineInfoRecord {
  insnOff: number;
  /** string offsets into .BTF, kept because the kernel takes them as they are */
  fileNameOff: number;
  lineOff: number;
  readonly fileName: string;
  /** the source line's text */
  readonly line: string;
  lineNumber: number;
  column: number;
}

export interface CoreReloRecord {
  insnOff: number;
  /** BTF id of the root type of the access */
  typeId: number;
  accessStrOff: number;
  /** "0:1:2": member/array index path from the root type */
  accessStr: string;
  /** a CoreReloKind value */
  kind: number;
}

/** The records of one ELF section, with its name resolved from .BTF strings. */
export interface BtfExtSection<R> {
  section: string;
  records: R[];
}

export interface BtfExt {
  byteOrder: ByteOrder;
  flags: number;
  funcInfo: BtfExtSection<FuncInfoRecord>[];
  lineInfo: BtfExtSection<LineInfoRecord>[];
  coreRelos: BtfExtSection<CoreReloRecord>[];
  /** record sizes the file declared (may exceed what this reader knows) */
  recordSizes: { funcInfo: number; lineInfo: number; coreRelo: number };
}

/** struct btf_ext_header up to line_info_len, and with core_relo_off/len */
const EXT_HEADER_MIN = 24;
const EXT_HEADER_CORE = 32;

interface Reader {
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
  btf: Btf;
}

function fail(message: string, field: string, byteOffset: number, section?: string): never {
  const location = section === undefined ? { field, byteOffset } : { field, byteOffset, section };
  throw new BtfError(message, { location });
}

/**
 * A line_info record whose file name and source text are decoded when read: a loader keeps the
 * offsets (PROG_LOAD takes them as they are) and needs the text only to explain a verifier error.
 */
class LineInfoEntry implements LineInfoRecord {
  readonly #btf: Btf;
  constructor(
    readonly insnOff: number,
    readonly fileNameOff: number,
    readonly lineOff: number,
    readonly lineNumber: number,
    readonly column: number,
    btf: Btf,
  ) {
    this.#btf = btf;
  }
  get fileName(): string {
    return this.#btf.name(this.fileNameOff);
  }
  get line(): string {
    return this.#btf.name(this.lineOff);
  }
}

function checkString(r: Reader, offset: number, field: string, byteOffset: number, section?: string): void {
  if (offset >= r.btf.stringsLength) {
    fail(
      `string offset ${offset} is past the .BTF string table (${r.btf.stringsLength} bytes)`,
      field,
      byteOffset,
      section,
    );
  }
}

function stringAt(r: Reader, offset: number, field: string, byteOffset: number, section?: string): string {
  if (offset >= r.btf.stringsLength) {
    fail(
      `string offset ${offset} is past the .BTF string table (${r.btf.stringsLength} bytes)`,
      field,
      byteOffset,
      section,
    );
  }
  return r.btf.name(offset);
}

/**
 * One info block (func_info, line_info or core_relo): a u32 record size, then per section a
 * btf_ext_info_sec (sec_name_off, num_info) and num_info records. Records may be larger than the
 * struct we know (a newer format): the extra bytes are skipped; smaller ones are refused.
 */
function readBlock<R>(
  r: Reader,
  start: number,
  length: number,
  known: number,
  what: string,
  record: (pos: number, section: string) => R,
): { sections: BtfExtSection<R>[]; recordSize: number } {
  if (length === 0) return { sections: [], recordSize: known };
  const end = start + length;
  if (end > r.bytes.length)
    fail(`${what} (${start}+${length}) runs past the ${r.bytes.length}-byte .BTF.ext`, `${what}_len`, start);
  if (length < 4) fail(`${what} is too short for its record size`, `${what}.rec_size`, start);
  const recordSize = r.view.getUint32(start, r.le);
  if (recordSize < known || recordSize % 4 !== 0) {
    fail(
      `${what} record size ${recordSize} is invalid (at least ${known}, a multiple of 4)`,
      `${what}.rec_size`,
      start,
    );
  }
  const sections: BtfExtSection<R>[] = [];
  let pos = start + 4;
  while (pos < end) {
    if (pos + 8 > end) fail(`${what} ends inside a section header`, `${what}.btf_ext_info_sec`, pos);
    const section = stringAt(r, r.view.getUint32(pos, r.le), 'sec_name_off', pos);
    const count = r.view.getUint32(pos + 4, r.le);
    if (count === 0) fail(`${what} section ${section} has no records`, 'num_info', pos + 4, section);
    pos += 8;
    // Checked before allocating anything, so a lying count cannot make us allocate.
    if (count > (end - pos) / recordSize) {
      fail(
        `${what} section ${section} claims ${count} records of ${recordSize} bytes, past the end`,
        'num_info',
        pos - 4,
        section,
      );
    }
    const records: R[] = [];
    for (let i = 0; i < count; i++, pos += recordSize) records.push(record(pos, section));
    sections.push({ section, records });
  }
  return { sections, recordSize };
}

/** Parses .BTF.ext; names (sections, files, source lines, access strings) come from `btf`'s strings. */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  if (bytes.length < 8)
    fail(`.BTF.ext is ${bytes.length} bytes, shorter than its header`, 'btf_ext_header', 0);
  const byteOrder = detectByteOrder(bytes);
  if (byteOrder === undefined) fail(`bad .BTF.ext magic, expected 0x${BTF_MAGIC.toString(16)}`, 'magic', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = byteOrder === 'little';
  if (bytes[2] !== BTF_VERSION) fail(`unsupported .BTF.ext version ${bytes[2]}`, 'version', 2);
  const hdrLen = view.getUint32(4, le);
  if (hdrLen < EXT_HEADER_MIN)
    fail(`.BTF.ext header length ${hdrLen} is below ${EXT_HEADER_MIN}`, 'hdr_len', 4);
  if (hdrLen > bytes.length)
    fail(`.BTF.ext header length ${hdrLen} exceeds the ${bytes.length} bytes`, 'hdr_len', 4);
  const r: Reader = { bytes, view, le, btf };
  // Offsets in the header count from the end of the header.
  const block = (offField: number) => ({
    start: hdrLen + view.getUint32(offField, le),
    length: view.getUint32(offField + 4, le),
  });
  const func = block(8);
  const line = block(16);
  const core = hdrLen >= EXT_HEADER_CORE ? block(24) : { start: hdrLen, length: 0 };

  const funcInfo = readBlock(r, func.start, func.length, 8, 'func_info', (pos) => ({
    insnOff: view.getUint32(pos, le),
    typeId: view.getUint32(pos + 4, le),
  }));
  const lineInfo = readBlock(r, line.start, line.length, 16, 'line_info', (pos, section) => {
    const fileNameOff = view.getUint32(pos + 4, le);
    const lineOff = view.getUint32(pos + 8, le);
    const lineCol = view.getUint32(pos + 12, le);
    checkString(r, fileNameOff, 'file_name_off', pos + 4, section);
    checkString(r, lineOff, 'line_off', pos + 8, section);
    // BPF_LINE_INFO_LINE_NUM / BPF_LINE_INFO_LINE_COL
    return new LineInfoEntry(
      view.getUint32(pos, le),
      fileNameOff,
      lineOff,
      lineCol >>> 10,
      lineCol & 0x3ff,
      btf,
    );
  });
  const coreRelos = readBlock(r, core.start, core.length, 16, 'core_relo', (pos, section) => {
    const accessStrOff = view.getUint32(pos + 8, le);
    return {
      insnOff: view.getUint32(pos, le),
      typeId: view.getUint32(pos + 4, le),
      accessStrOff,
      accessStr: stringAt(r, accessStrOff, 'access_str_off', pos + 8, section),
      kind: view.getUint32(pos + 12, le),
    };
  });
  return {
    byteOrder: byteOrder!,
    flags: bytes[3]!,
    funcInfo: funcInfo.sections,
    lineInfo: lineInfo.sections,
    coreRelos: coreRelos.sections,
    recordSizes: {
      funcInfo: funcInfo.recordSize,
      lineInfo: lineInfo.recordSize,
      coreRelo: coreRelos.recordSize,
    },
  };
}
