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

/** Where the string offsets of struct bpf_line_info and bpf_core_relo lie, and their names. */
const LINE_INFO_STRINGS = [4, 8] as const;
const LINE_INFO_STRING_FIELDS = ['file_name_off', 'line_off'];
const CORE_RELO_STRINGS = [8] as const;
const CORE_RELO_STRING_FIELDS = ['access_str_off'];

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
  checkString(r, offset, field, byteOffset, section);
  return r.btf.name(offset);
}

/**
 * One section's records in an info block, left in place: `count` records of the block's record
 * size from byte `start` of the .BTF.ext. The section name is resolved from .BTF strings.
 */
export interface BtfExtRecordRun {
  section: string;
  start: number;
  count: number;
  /** whether the records are in insn_off order already (what clang writes), found by the check */
  sorted: boolean;
}

/** One info block (func_info, line_info or core_relo) as runs of records in place. */
export interface BtfExtBlock {
  /** the record size the file declared (at least what this reader knows) */
  recordSize: number;
  runs: BtfExtRecordRun[];
}

/**
 * .BTF.ext checked (header, blocks, counts, every string offset) but not decoded: a reader that
 * puts records straight where they go (the loader's instruction streams) reads the fields from
 * `view` itself, so no object is made per record. Offsets of the fields inside a record are
 * those of struct bpf_func_info, bpf_line_info and bpf_core_relo.
 */
export interface BtfExtRecords {
  byteOrder: ByteOrder;
  flags: number;
  view: DataView;
  littleEndian: boolean;
  funcInfo: BtfExtBlock;
  lineInfo: BtfExtBlock;
  coreRelos: BtfExtBlock;
}

/**
 * Offsets of a record's string offsets (name_off-like u32s): at most two, as bpf_line_info has.
 * A tuple, so that a record with a third could not be checked by two fixed reads unnoticed.
 */
type StringFieldOffsets = readonly [] | readonly [number] | readonly [number, number];

/**
 * One info block: a u32 record size, then per section a btf_ext_info_sec (sec_name_off,
 * num_info) and num_info records. Records may be larger than the struct we know (a newer format):
 * the extra bytes are skipped; smaller ones are refused. Each record's string offsets (at the
 * record offsets `strings` lists, named by `fields`) are checked in place.
 */
function readBlock(
  r: Reader,
  start: number,
  length: number,
  known: number,
  what: string,
  strings: StringFieldOffsets = [],
  fields: readonly string[] = [],
): BtfExtBlock {
  if (length === 0) return { runs: [], recordSize: known };
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
  const runs: BtfExtRecordRun[] = [];
  let pos = start + 4;
  while (pos < end) {
    if (pos + 8 > end) fail(`${what} ends inside a section header`, `${what}.btf_ext_info_sec`, pos);
    const section = stringAt(r, r.view.getUint32(pos, r.le), 'sec_name_off', pos);
    const count = r.view.getUint32(pos + 4, r.le);
    if (count === 0) fail(`${what} section ${section} has no records`, 'num_info', pos + 4, section);
    pos += 8;
    // Checked before reading any record, so a lying count cannot make us read past the end.
    if (count > (end - pos) / recordSize) {
      fail(
        `${what} section ${section} claims ${count} records of ${recordSize} bytes, past the end`,
        'num_info',
        pos - 4,
        section,
      );
    }
    runs.push({
      section,
      start: pos,
      count,
      sorted: checkRecords(r, pos, count, recordSize, section, strings, fields),
    });
    pos += count * recordSize;
  }
  return { runs, recordSize };
}

/**
 * Checks the string offsets of `count` records from `pos` (one plain loop: an open checks every
 * line_info record) and says whether their insn_off (each record's first u32) never decreases.
 */
function checkRecords(
  r: Reader,
  pos: number,
  count: number,
  recordSize: number,
  section: string,
  strings: StringFieldOffsets,
  fields: readonly string[],
): boolean {
  const { view, le } = r;
  const limit = r.btf.stringsLength;
  let sorted = true;
  let previous = 0;
  // A record has at most two string offsets (bpf_line_info's): read as two fixed fields rather than
  // an inner loop per record, which this loop over every line_info record paid for.
  const checked = strings.length;
  const first = strings[0] ?? 0;
  const second = strings[1] ?? 0;
  for (let i = 0, at = pos; i < count; i++, at += recordSize) {
    const insnOff = view.getUint32(at, le);
    if (insnOff < previous) sorted = false;
    previous = insnOff;
    if (checked === 0) continue;
    const a = view.getUint32(at + first, le);
    if (a >= limit) checkString(r, a, fields[0]!, at + first, section); // throws, saying where
    if (checked === 1) continue;
    const b = view.getUint32(at + second, le);
    if (b >= limit) checkString(r, b, fields[1]!, at + second, section);
  }
  return sorted;
}

/**
 * Checks .BTF.ext against `btf` (whose strings it names) and finds its record runs, decoding no
 * record: what parseBtfExt does, short of making an object per record.
 */
export function readBtfExtRecords(bytes: Uint8Array, btf: Btf): BtfExtRecords {
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
  const funcInfo = readBlock(r, hdrLen + view.getUint32(8, le), view.getUint32(12, le), 8, 'func_info');
  const lineInfo = readBlock(
    r,
    hdrLen + view.getUint32(16, le),
    view.getUint32(20, le),
    16,
    'line_info',
    LINE_INFO_STRINGS,
    LINE_INFO_STRING_FIELDS,
  );
  const coreRelos =
    hdrLen >= EXT_HEADER_CORE
      ? readBlock(
          r,
          hdrLen + view.getUint32(24, le),
          view.getUint32(28, le),
          16,
          'core_relo',
          CORE_RELO_STRINGS,
          CORE_RELO_STRING_FIELDS,
        )
      : { runs: [], recordSize: 16 };
  return { byteOrder: byteOrder!, flags: bytes[3]!, view, littleEndian: le, funcInfo, lineInfo, coreRelos };
}

/** Each run of a block as a section with its records decoded by `record`. */
function decodeBlock<R>(block: BtfExtBlock, record: (pos: number) => R): BtfExtSection<R>[] {
  return block.runs.map(({ section, start, count }) => {
    const records: R[] = [];
    for (let i = 0; i < count; i++) records.push(record(start + i * block.recordSize));
    return { section, records };
  });
}

/** Parses .BTF.ext; names (sections, files, source lines, access strings) come from `btf`'s strings. */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const raw = readBtfExtRecords(bytes, btf);
  const { view, littleEndian: le } = raw;
  return {
    byteOrder: raw.byteOrder,
    flags: raw.flags,
    funcInfo: decodeBlock(raw.funcInfo, (pos) => ({
      insnOff: view.getUint32(pos, le),
      typeId: view.getUint32(pos + 4, le),
    })),
    lineInfo: decodeBlock(raw.lineInfo, (pos) => {
      const lineCol = view.getUint32(pos + 12, le);
      // BPF_LINE_INFO_LINE_NUM / BPF_LINE_INFO_LINE_COL
      return new LineInfoEntry(
        view.getUint32(pos, le),
        view.getUint32(pos + 4, le),
        view.getUint32(pos + 8, le),
        lineCol >>> 10,
        lineCol & 0x3ff,
        btf,
      );
    }),
    coreRelos: decodeBlock(raw.coreRelos, (pos) => {
      const accessStrOff = view.getUint32(pos + 8, le);
      return {
        insnOff: view.getUint32(pos, le),
        typeId: view.getUint32(pos + 4, le),
        accessStrOff,
        accessStr: btf.name(accessStrOff),
        kind: view.getUint32(pos + 12, le),
      };
    }),
    recordSizes: {
      funcInfo: raw.funcInfo.recordSize,
      lineInfo: raw.lineInfo.recordSize,
      coreRelo: raw.coreRelos.recordSize,
    },
  };
}
