import {
  SHT_NOBITS as IMPORTED_SHT_NOBITS,
  SHT_REL as IMPORTED_SHT_REL,
  SHT_RELA as IMPORTED_SHT_RELA,
  type SectionView,
  SHT_STRTAB,
} from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import { ELF64_SHDR_SIZE as IMPORTED_ELF64_SHDR_SIZE, SHN_XINDEX } from './elf-constants.js';
import type { ElfHeader } from './elf-header.js';
import { fail, hex } from './fail.js';
import { u64At } from './small-bigint.js';
import { StringTable } from './string-table.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHT_NOBITS = IMPORTED_SHT_NOBITS;
const SHT_REL = IMPORTED_SHT_REL;
const SHT_RELA = IMPORTED_SHT_RELA;
const ELF64_SHDR_SIZE = IMPORTED_ELF64_SHDR_SIZE;

/** One Elf64_Shdr with its fields as stored (64-bit fields as bigint). */
export interface SectionHeader {
  readonly index: number;
  /** sh_name: offset of the name in the section-name string table */
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
  /** where this header sits in the file */
  readonly headerOffset: number;
}

/** Byte offsets of Elf64_Shdr fields, for error locations. */
export const SH_FIELD = {
  sh_name: 0,
  sh_type: 4,
  sh_flags: 8,
  sh_addr: 16,
  sh_offset: 24,
  sh_size: 32,
  sh_link: 40,
  sh_info: 44,
  sh_addralign: 48,
  sh_entsize: 56,
} as const;

// Elf64_Ehdr field offsets.
const E_SHOFF = 40;
const E_SHNUM = 60;
const E_SHSTRNDX = 62;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** A u64 whose high half is below this is at most Number.MAX_SAFE_INTEGER. */
const SAFE_HIGH_LIMIT = 0x200000;

export interface SectionTable {
  readonly sections: readonly SectionView[];
  /** sh_link and sh_info of each section: what the symbol and relocation readers need beyond the views */
  readonly links: readonly number[];
  readonly infos: readonly number[];
  /** file offset of the header table, for decoding a whole header on demand (`sectionHeaderAt`) */
  readonly tableOffset: number;
  /** resolved e_shstrndx (extended numbering applied); 0 when sections have no names */
  readonly shstrndx: number;
  readonly sectionNames: StringTable | undefined;
}

/** Every Elf64_Shdr field of section `index`, decoded from the table (already checked to fit the file). */
export function sectionHeaderAt(reader: ByteReader, tableOffset: number, index: number): SectionHeader {
  const view = reader.view;
  const little = reader.littleEndian;
  const at = tableOffset + index * ELF64_SHDR_SIZE;
  return {
    index,
    nameOffset: view.getUint32(at, little),
    type: view.getUint32(at + SH_FIELD.sh_type, little),
    flags: u64At(view, at + SH_FIELD.sh_flags, little),
    addr: u64At(view, at + SH_FIELD.sh_addr, little),
    offset: u64At(view, at + SH_FIELD.sh_offset, little),
    size: u64At(view, at + SH_FIELD.sh_size, little),
    link: view.getUint32(at + SH_FIELD.sh_link, little),
    info: view.getUint32(at + SH_FIELD.sh_info, little),
    addralign: u64At(view, at + SH_FIELD.sh_addralign, little),
    entsize: u64At(view, at + SH_FIELD.sh_entsize, little),
    headerOffset: at,
  };
}

/**
 * Reads the section header table, resolves names through e_shstrndx and checks that every
 * section's data lies inside the file and its sh_link/sh_info name real sections. One pass
 * straight over the table makes only the views: a whole SectionHeader (six u64 fields) is
 * decoded when a check fails or someone asks for it.
 */
export function readSectionTable(
  bytes: Uint8Array,
  reader: ByteReader,
  header: ElfHeader,
  object: string,
): SectionTable {
  const { offset, count, shstrndx } = locateTable(reader, header, object);
  let sectionNames: StringTable | undefined;
  if (shstrndx !== 0) sectionNames = readSectionNames(bytes, reader, offset, shstrndx, object);

  // sized up front: pushes would regrow (and copy) each list a few times for a clang object
  const sections = new Array<SectionView>(count);
  const links = new Array<number>(count);
  const infos = new Array<number>(count);
  // locateTable checked that the whole table lies inside the file: fields are read straight
  // from the view, without a bounds check per field.
  const view = reader.view;
  const little = reader.littleEndian;
  const lo = little ? 0 : 4;
  const hi = little ? 4 : 0;
  const fileSize = bytes.length;
  for (let index = 0; index < count; index++) {
    const at = offset + index * ELF64_SHDR_SIZE;
    const nameOffset = view.getUint32(at, little);
    const type = view.getUint32(at + SH_FIELD.sh_type, little);
    const link = view.getUint32(at + SH_FIELD.sh_link, little);
    const info = view.getUint32(at + SH_FIELD.sh_info, little);
    // sh_offset and sh_size as numbers: exact below 2^53 (high half under 2^21), and anything
    // larger is far outside the file either way
    const startHigh = view.getUint32(at + SH_FIELD.sh_offset + hi, little);
    const sizeHigh = view.getUint32(at + SH_FIELD.sh_size + hi, little);
    const startLow = view.getUint32(at + SH_FIELD.sh_offset + lo, little);
    const sizeLow = view.getUint32(at + SH_FIELD.sh_size + lo, little);
    // the low half alone when the high one is 0: a small integer, where the sum is a float that
    // V8 would store boxed in every view
    const start = startHigh === 0 ? startLow : startHigh * 0x100000000 + startLow;
    const size = sizeHigh === 0 ? sizeLow : sizeHigh * 0x100000000 + sizeLow;
    const name = sectionNames
      ? (sectionNames.lookup(nameOffset) ?? sectionName(sectionNames, reader, offset, index))
      : '';
    const fits =
      type === SHT_NOBITS
        ? startHigh < SAFE_HIGH_LIMIT && sizeHigh < SAFE_HIGH_LIMIT
        : start + size <= fileSize;
    const linksFit = link < count && (info < count || (type !== SHT_REL && type !== SHT_RELA));
    if (!fits || !linksFit)
      rejectSection(fileSize, sectionHeaderAt(reader, offset, index), name, count, object);
    const flags = u64At(view, at + SH_FIELD.sh_flags, little);
    sections[index] = { index, name, type, flags, size, offset: start };
    links[index] = link;
    infos[index] = info;
  }
  return { sections, links, infos, tableOffset: offset, shstrndx, sectionNames };
}

/** The section-name table of e_shstrndx, checked to be a string table inside the file. */
function readSectionNames(
  bytes: Uint8Array,
  reader: ByteReader,
  tableOffset: number,
  shstrndx: number,
  object: string,
): StringTable {
  const table = sectionHeaderAt(reader, tableOffset, shstrndx);
  const label = `[${shstrndx}]`;
  if (table.type !== SHT_STRTAB) {
    fail(
      `e_shstrndx ${shstrndx} names a section of type ${table.type}, not SHT_STRTAB`,
      { object, section: label, field: 'e_shstrndx', byteOffset: E_SHSTRNDX },
      'the ELF header or the section-name table header is corrupt',
    );
  }
  const { start, size } = dataRange(bytes.length, table, label, object);
  const data = bytes.subarray(start, start + size);
  // The table holds its own name; decode it first so messages about other names can use it.
  const ownName = new StringTable(data, label, object).at(table.nameOffset, {
    field: 'sh_name',
    byteOffset: table.headerOffset + SH_FIELD.sh_name,
    section: label,
  });
  return new StringTable(data, ownName || label, object);
}

/** A section's name whose sh_name the fast lookup refused: throws the error that says why. */
function sectionName(names: StringTable, reader: ByteReader, tableOffset: number, index: number): string {
  const h = sectionHeaderAt(reader, tableOffset, index);
  return names.at(h.nameOffset, {
    field: 'sh_name',
    byteOffset: h.headerOffset + SH_FIELD.sh_name,
    section: `[${h.index}]`,
  });
}

/** Throws the error for a section whose data lies outside the file or whose links name no section. */
function rejectSection(
  fileSize: number,
  h: SectionHeader,
  name: string,
  count: number,
  object: string,
): void {
  const label = name || `[${h.index}]`;
  dataRange(fileSize, h, label, object);
  checkIndexField(h, 'sh_link', h.link, count, label, object);
  if (h.type === SHT_REL || h.type === SHT_RELA) checkIndexField(h, 'sh_info', h.info, count, label, object);
}

/** e_shoff/e_shnum/e_shstrndx, with extended numbering (counts too big for 16 bits live in section 0). */
function locateTable(
  reader: ByteReader,
  header: ElfHeader,
  object: string,
): { offset: number; count: number; shstrndx: number } {
  const fileSize = reader.length;
  if (header.shoff === 0n) {
    if (header.shnum !== 0 || header.shstrndx !== 0) {
      fail(
        `e_shoff is 0 (no section header table) but e_shnum is ${header.shnum} and e_shstrndx ${header.shstrndx}`,
        { object, field: 'e_shoff', byteOffset: E_SHOFF },
        'the ELF header is corrupt',
      );
    }
    return { offset: 0, count: 0, shstrndx: 0 };
  }
  // numbers, not bigints: exact below 2^53, and a larger e_shoff is outside any file
  const offset = header.shoff <= MAX_SAFE ? Number(header.shoff) : Number.POSITIVE_INFINITY;
  if (offset + ELF64_SHDR_SIZE > fileSize) {
    fail(
      `section header table at ${hex(header.shoff)} is outside the file (${hex(reader.length)} bytes)`,
      { object, field: 'e_shoff', byteOffset: E_SHOFF },
      'the file is truncated or e_shoff is corrupt',
    );
  }
  let count = header.shnum;
  let shstrndx = header.shstrndx;
  let extendedCount = 0n;
  if (count === 0 || shstrndx === SHN_XINDEX) {
    // Section 0 holds the real values: sh_size = section count, sh_link = section-name table index.
    reader.expect(offset + SH_FIELD.sh_size, 8, 'Elf64_Shdr[0].sh_size');
    extendedCount = reader.u64();
    reader.expect(offset + SH_FIELD.sh_link, 4, 'Elf64_Shdr[0].sh_link');
    const extendedIndex = reader.u32();
    if (count === 0) count = extendedCount <= MAX_SAFE ? Number(extendedCount) : Number.POSITIVE_INFINITY;
    if (shstrndx === SHN_XINDEX) shstrndx = extendedIndex;
  }
  if (count === 0 || offset + count * ELF64_SHDR_SIZE > fileSize) {
    const entries = header.shnum === 0 ? extendedCount : BigInt(header.shnum);
    fail(
      `section header table of ${entries} entries at ${hex(header.shoff)} ends at ${hex(header.shoff + entries * BigInt(ELF64_SHDR_SIZE))}, outside the file (${hex(reader.length)} bytes)`,
      { object, field: 'e_shnum', byteOffset: header.shnum === 0 ? offset + SH_FIELD.sh_size : E_SHNUM },
      'the file is truncated or e_shoff/e_shnum is corrupt',
    );
  }
  if (shstrndx >= count) {
    fail(
      `e_shstrndx ${shstrndx} is out of range: the file has ${count} sections`,
      {
        object,
        field: 'e_shstrndx',
        byteOffset: header.shstrndx === SHN_XINDEX ? offset + SH_FIELD.sh_link : E_SHSTRNDX,
      },
      'the ELF header is corrupt',
    );
  }
  return { offset, count, shstrndx };
}

/** The section's bytes in the file; NOBITS sections occupy none, so only their numbers are checked. */
function dataRange(
  fileSize: number,
  h: SectionHeader,
  section: string,
  object: string,
): { start: number; size: number } {
  if (h.type === SHT_NOBITS) {
    if (h.size > MAX_SAFE || h.offset > MAX_SAFE) {
      const field = h.size > MAX_SAFE ? 'sh_size' : 'sh_offset';
      fail(
        `${field} ${hex(field === 'sh_size' ? h.size : h.offset)} of a NOBITS section is too large`,
        { object, section, field, byteOffset: h.headerOffset + SH_FIELD[field] },
        'the section header is corrupt',
      );
    }
    return { start: Number(h.offset), size: Number(h.size) };
  }
  // as numbers: exact below 2^53, and anything larger is far outside the file either way
  const start = Number(h.offset);
  const size = Number(h.size);
  if (start + size > fileSize) {
    const field = start > fileSize ? 'sh_offset' : 'sh_size';
    const end = h.offset + h.size;
    fail(
      `section data ${hex(h.offset)}..${hex(end)} (sh_offset + sh_size) is outside the file (${hex(fileSize)} bytes)`,
      { object, section, field, byteOffset: h.headerOffset + SH_FIELD[field] },
      'the file is truncated or the section header is corrupt',
    );
  }
  return { start, size };
}

function checkIndexField(
  h: SectionHeader,
  field: 'sh_link' | 'sh_info',
  value: number,
  count: number,
  section: string,
  object: string,
): void {
  if (value >= count) {
    fail(
      `${field} ${value} is out of range: the file has ${count} sections`,
      { object, section, field, byteOffset: h.headerOffset + SH_FIELD[field] },
      'the section header is corrupt',
    );
  }
}
