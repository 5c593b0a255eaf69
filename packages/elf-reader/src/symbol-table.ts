import { SHN_UNDEF as IMPORTED_SHN_UNDEF, SHT_SYMTAB as IMPORTED_SHT_SYMTAB, SHT_STRTAB } from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import {
  ELF64_SHDR_SIZE,
  ELF64_SYM_SIZE as IMPORTED_ELF64_SYM_SIZE,
  SHN_LORESERVE as IMPORTED_SHN_LORESERVE,
  SHN_XINDEX as IMPORTED_SHN_XINDEX,
  SHT_SYMTAB_SHNDX,
} from './elf-constants.js';
import {
  ElfSymbolFields,
  ST_NAME as IMPORTED_ST_NAME,
  ST_SHNDX as IMPORTED_ST_SHNDX,
} from './elf-symbol-fields.js';
import { fail } from './fail.js';
import type { SectionTable } from './section-table.js';
import { SH_FIELD, sectionHeaderAt } from './section-table.js';
import { StringTable } from './string-table.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHN_UNDEF = IMPORTED_SHN_UNDEF;
const SHT_SYMTAB = IMPORTED_SHT_SYMTAB;
const ELF64_SYM_SIZE = IMPORTED_ELF64_SYM_SIZE;
const SHN_LORESERVE = IMPORTED_SHN_LORESERVE;
const SHN_XINDEX = IMPORTED_SHN_XINDEX;
const ST_NAME = IMPORTED_ST_NAME;
const ST_SHNDX = IMPORTED_ST_SHNDX;

export interface SymbolTable {
  /** index of the SHT_SYMTAB section, or undefined when the object has none */
  readonly sectionIndex: number | undefined;
  /** the checked entries (none when the object has no symbol table) */
  readonly fields: ElfSymbolFields;
  readonly names: StringTable | undefined;
}

/**
 * Finds the one SHT_SYMTAB (Elf64_Sym entries) and its sh_link string table, and checks every
 * entry's name and section index; the symbols are read from the entries when asked.
 */
export function readSymbolTable(
  bytes: Uint8Array,
  reader: ByteReader,
  table: SectionTable,
  object: string,
): SymbolTable {
  const { sections } = table;
  let symtabIndex: number | undefined;
  for (const candidate of sections) {
    if (candidate.type !== SHT_SYMTAB) continue;
    if (symtabIndex !== undefined) {
      fail(
        `more than one symbol table: sections ${symtabIndex} and ${candidate.index}`,
        {
          object,
          section: candidate.name,
          field: 'sh_type',
          byteOffset: table.tableOffset + candidate.index * ELF64_SHDR_SIZE + SH_FIELD.sh_type,
        },
        'a relocatable eBPF object has exactly one SHT_SYMTAB',
      );
    }
    symtabIndex = candidate.index;
  }
  if (symtabIndex === undefined) {
    const fields = new ElfSymbolFields({
      view: reader.view,
      littleEndian: reader.littleEndian,
      start: 0,
      count: 0,
      names: new StringTable(new Uint8Array(0), '', object),
      sections,
      extendedIndices: undefined,
    });
    return { sectionIndex: undefined, fields, names: undefined };
  }

  const h = sectionHeaderAt(reader, table.tableOffset, symtabIndex);
  const section = sections[symtabIndex]!;
  const label = section.name || `[${symtabIndex}]`;
  if (h.entsize !== BigInt(ELF64_SYM_SIZE)) {
    fail(
      `symbol table sh_entsize is ${h.entsize}, expected ${ELF64_SYM_SIZE} (sizeof Elf64_Sym)`,
      { object, section: label, field: 'sh_entsize', byteOffset: h.headerOffset + SH_FIELD.sh_entsize },
      'the section header is corrupt',
    );
  }
  if (section.size % ELF64_SYM_SIZE !== 0) {
    fail(
      `symbol table size ${section.size} is not a multiple of ${ELF64_SYM_SIZE}`,
      { object, section: label, field: 'sh_size', byteOffset: h.headerOffset + SH_FIELD.sh_size },
      'the section header is corrupt or the file is truncated',
    );
  }
  const count = section.size / ELF64_SYM_SIZE;
  if (h.info > count) {
    fail(
      `sh_info ${h.info} (first global symbol) is past the ${count} symbols of the table`,
      { object, section: label, field: 'sh_info', byteOffset: h.headerOffset + SH_FIELD.sh_info },
      'the section header is corrupt',
    );
  }
  const strtab = sections[h.link]!;
  if (strtab.type !== SHT_STRTAB) {
    fail(
      `sh_link ${h.link} names section ${strtab.name || `[${h.link}]`} of type ${strtab.type}, not SHT_STRTAB`,
      { object, section: label, field: 'sh_link', byteOffset: h.headerOffset + SH_FIELD.sh_link },
      'the symbol table header is corrupt',
    );
  }
  const names = new StringTable(
    bytes.subarray(strtab.offset, strtab.offset + strtab.size),
    strtab.name || `[${h.link}]`,
    object,
  );

  const extendedIndices = readExtendedIndices(table, reader, symtabIndex, count, label, object);
  checkEntries(reader, section.offset, count, names, extendedIndices, sections.length, label, object);
  const fields = new ElfSymbolFields({
    view: reader.view,
    littleEndian: reader.littleEndian,
    start: section.offset,
    count,
    names,
    sections,
    extendedIndices,
  });
  return { sectionIndex: symtabIndex, fields, names };
}

/**
 * Checks every entry's name offset and section index, reading nothing else: the symbols
 * themselves are made when asked (ElfSymbolFields). A string table that ends in a NUL
 * terminates every name that starts inside it, so then an offset needs only its bound.
 */
function checkEntries(
  reader: ByteReader,
  start: number,
  count: number,
  names: StringTable,
  extendedIndices: Uint32Array | undefined,
  sectionCount: number,
  label: string,
  object: string,
): void {
  // The section table checked that the symbol table lies inside the file: entries are read
  // straight from the view, without a bounds check per field.
  const view = reader.view;
  const little = reader.littleEndian;
  const nameLimit = names.terminated ? names.size : 0;
  for (let index = 0; index < count; index++) {
    const entry = start + index * ELF64_SYM_SIZE;
    const nameOffset = view.getUint32(entry + ST_NAME, little);
    if (nameOffset >= nameLimit && nameOffset !== 0) {
      // past the table, or a table without its final NUL: the slow check says which
      names.at(nameOffset, {
        field: 'st_name',
        byteOffset: entry + ST_NAME,
        section: label,
        symbol: `#${index}`,
      });
    }
    const sectionIndex = view.getUint16(entry + ST_SHNDX, little);
    if (sectionIndex === SHN_XINDEX && extendedIndices !== undefined) continue; // checked when read
    if (sectionIndex !== SHN_UNDEF && sectionIndex < SHN_LORESERVE && sectionIndex >= sectionCount) {
      outOfRange('st_shndx', sectionIndex, index, sectionCount, {
        object,
        section: label,
        byteOffset: entry + ST_SHNDX,
      });
    }
  }
}

function outOfRange(
  field: string,
  value: number,
  symbol: number,
  sectionCount: number,
  where: { object: string; section: string; byteOffset: number },
): never {
  fail(
    `${field} ${value} of symbol ${symbol} is out of range: the file has ${sectionCount} sections`,
    { ...where, symbol: `#${symbol}`, field },
    'the symbol table is corrupt',
  );
}

/**
 * Objects with more than 0xff00 sections keep a symbol's real section index in a
 * SHT_SYMTAB_SHNDX section (one u32 per symbol) and put SHN_XINDEX in st_shndx. Returns those
 * indices, each checked to name a section, if the symbol table has such a section.
 */
function readExtendedIndices(
  table: SectionTable,
  reader: ByteReader,
  symtabIndex: number,
  symbolCount: number,
  label: string,
  object: string,
): Uint32Array | undefined {
  for (const section of table.sections) {
    if (section.type !== SHT_SYMTAB_SHNDX || table.links[section.index] !== symtabIndex) continue;
    const h = sectionHeaderAt(reader, table.tableOffset, section.index);
    if (section.size !== symbolCount * 4) {
      fail(
        `SHT_SYMTAB_SHNDX section has ${section.size} bytes, expected 4 for each of the ${symbolCount} symbols`,
        {
          object,
          section: section.name || `[${h.index}]`,
          field: 'sh_size',
          byteOffset: h.headerOffset + SH_FIELD.sh_size,
        },
        'the section header is corrupt',
      );
    }
    const sectionCount = table.sections.length;
    const symbolsStart = table.sections[symtabIndex]!.offset;
    const indices = new Uint32Array(symbolCount);
    for (let index = 0; index < symbolCount; index++) {
      const at = section.offset + index * 4;
      const sectionIndex = reader.expect(at, 4, 'SHT_SYMTAB_SHNDX', label).u32();
      const entry = symbolsStart + index * ELF64_SYM_SIZE;
      if (reader.view.getUint16(entry + ST_SHNDX, reader.littleEndian) !== SHN_XINDEX) continue;
      if (sectionIndex >= sectionCount) {
        outOfRange('SHT_SYMTAB_SHNDX entry', sectionIndex, index, sectionCount, {
          object,
          section: label,
          byteOffset: at,
        });
      }
      indices[index] = sectionIndex;
    }
    return indices;
  }
  return undefined;
}
