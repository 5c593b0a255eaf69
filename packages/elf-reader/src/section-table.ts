import { type SectionView, SHT_NOBITS, SHT_REL, SHT_RELA, SHT_STRTAB } from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import { ELF64_SHDR_SIZE, SHN_XINDEX } from './elf-constants.js';
import type { ElfHeader } from './elf-header.js';
import { fail, hex } from './fail.js';
import { u64At } from './small-bigint.js';
import { StringTable } from './string-table.js';

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

export interface SectionTable {
  readonly headers: readonly SectionHeader[];
  readonly sections: readonly SectionView[];
  /** resolved e_shstrndx (extended numbering applied); 0 when sections have no names */
  readonly shstrndx: number;
  readonly sectionNames: StringTable | undefined;
}

/**
 * Reads the section header table, resolves names through e_shstrndx and checks that every
 * section's data lies inside the file and its sh_link/sh_info name real sections.
 */
export function readSectionTable(
  bytes: Uint8Array,
  reader: ByteReader,
  header: ElfHeader,
  object: string,
): SectionTable {
  const { offset, count, shstrndx } = locateTable(reader, header, object);
  const headers: SectionHeader[] = new Array(count);
  // locateTable checked that the whole table lies inside the file: fields are read straight
  // from the view, without a bounds check per field.
  const view = reader.view;
  const little = reader.littleEndian;
  for (let index = 0; index < count; index++) {
    const at = offset + index * ELF64_SHDR_SIZE;
    headers[index] = {
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

  let sectionNames: StringTable | undefined;
  if (shstrndx !== 0) {
    const table = headers[shstrndx]!;
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
    sectionNames = new StringTable(data, ownName || label, object);
  }

  const sections: SectionView[] = new Array(count);
  for (const h of headers) {
    const name = sectionNames
      ? (sectionNames.lookup(h.nameOffset) ??
        sectionNames.at(h.nameOffset, {
          field: 'sh_name',
          byteOffset: h.headerOffset + SH_FIELD.sh_name,
          section: `[${h.index}]`,
        }))
      : '';
    // the checks first with numbers, and the label (a string) only for a failure's message
    const start = Number(h.offset);
    const size = Number(h.size);
    const fits =
      h.type === SHT_NOBITS ? h.size <= MAX_SAFE && h.offset <= MAX_SAFE : start + size <= bytes.length;
    const linksFit = h.link < count && (h.info < count || (h.type !== SHT_REL && h.type !== SHT_RELA));
    if (!fits || !linksFit) {
      const label = name || `[${h.index}]`;
      dataRange(bytes.length, h, label, object);
      checkIndexField(h, 'sh_link', h.link, count, label, object);
      if (h.type === SHT_REL || h.type === SHT_RELA)
        checkIndexField(h, 'sh_info', h.info, count, label, object);
    }
    sections[h.index] = { index: h.index, name, type: h.type, flags: h.flags, size, offset: start };
  }
  return { headers, sections, shstrndx, sectionNames };
}

/** e_shoff/e_shnum/e_shstrndx, with extended numbering (counts too big for 16 bits live in section 0). */
function locateTable(
  reader: ByteReader,
  header: ElfHeader,
  object: string,
): { offset: number; count: number; shstrndx: number } {
  const fileSize = BigInt(reader.length);
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
  if (header.shoff + BigInt(ELF64_SHDR_SIZE) > fileSize) {
    fail(
      `section header table at ${hex(header.shoff)} is outside the file (${hex(reader.length)} bytes)`,
      { object, field: 'e_shoff', byteOffset: E_SHOFF },
      'the file is truncated or e_shoff is corrupt',
    );
  }
  const offset = Number(header.shoff);
  let count = BigInt(header.shnum);
  let shstrndx = header.shstrndx;
  if (count === 0n || shstrndx === SHN_XINDEX) {
    // Section 0 holds the real values: sh_size = section count, sh_link = section-name table index.
    reader.expect(offset + SH_FIELD.sh_size, 8, 'Elf64_Shdr[0].sh_size');
    const extendedCount = reader.u64();
    reader.expect(offset + SH_FIELD.sh_link, 4, 'Elf64_Shdr[0].sh_link');
    const extendedIndex = reader.u32();
    if (count === 0n) count = extendedCount;
    if (shstrndx === SHN_XINDEX) shstrndx = extendedIndex;
  }
  const tableEnd = header.shoff + count * BigInt(ELF64_SHDR_SIZE);
  if (count === 0n || tableEnd > fileSize) {
    fail(
      `section header table of ${count} entries at ${hex(header.shoff)} ends at ${hex(tableEnd)}, outside the file (${hex(reader.length)} bytes)`,
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
  return { offset, count: Number(count), shstrndx };
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
