import { SHN_UNDEF, SHT_STRTAB, SHT_SYMTAB, STT_SECTION, type SymbolView } from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import {
  ELF64_SHDR_SIZE,
  ELF64_SYM_SIZE,
  SHN_LORESERVE,
  SHN_XINDEX,
  SHT_SYMTAB_SHNDX,
} from './elf-constants.js';
import { fail } from './fail.js';
import type { SectionTable } from './section-table.js';
import { SH_FIELD, sectionHeaderAt } from './section-table.js';
import { u64At } from './small-bigint.js';
import { StringTable } from './string-table.js';

/** Byte offsets of Elf64_Sym fields. */
const ST_NAME = 0;
const ST_INFO = 4;
const ST_OTHER = 5;
const ST_SHNDX = 6;
const ST_VALUE = 8;
const ST_SIZE = 16;

export interface SymbolTable {
  /** index of the SHT_SYMTAB section, or undefined when the object has none */
  readonly sectionIndex: number | undefined;
  readonly symbols: readonly SymbolView[];
  readonly names: StringTable | undefined;
}

/**
 * Reads the one SHT_SYMTAB (Elf64_Sym entries) with names from its sh_link string table.
 * Unnamed STT_SECTION symbols take their section's name, as llvm-readelf shows them.
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
  if (symtabIndex === undefined) return { sectionIndex: undefined, symbols: [], names: undefined };

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

  const extendedIndices = findExtendedIndices(table, reader, symtabIndex, count, object);
  const sectionCount = sections.length;
  const symbols: SymbolView[] = new Array(count);
  // The section table checked that the symbol table lies inside the file: entries are read
  // straight from the view, without a bounds check per field.
  const view = reader.view;
  const little = reader.littleEndian;
  for (let index = 0; index < count; index++) {
    const entry = section.offset + index * ELF64_SYM_SIZE;
    const nameOffset = view.getUint32(entry, little);
    const info = view.getUint8(entry + ST_INFO);
    const other = view.getUint8(entry + ST_OTHER);
    let sectionIndex = view.getUint16(entry + ST_SHNDX, little);
    const value = u64At(view, entry + ST_VALUE, little);
    const size = u64At(view, entry + ST_SIZE, little);
    const type = info & 0xf;
    if (sectionIndex === SHN_XINDEX && extendedIndices !== undefined) {
      const at = extendedIndices + index * 4;
      sectionIndex = reader.expect(at, 4, 'SHT_SYMTAB_SHNDX', label).u32();
      if (sectionIndex >= sectionCount) {
        outOfRange('SHT_SYMTAB_SHNDX entry', sectionIndex, index, sectionCount, {
          object,
          section: label,
          byteOffset: at,
        });
      }
    } else if (sectionIndex !== SHN_UNDEF && sectionIndex < SHN_LORESERVE && sectionIndex >= sectionCount) {
      outOfRange('st_shndx', sectionIndex, index, sectionCount, {
        object,
        section: label,
        byteOffset: entry + ST_SHNDX,
      });
    }
    let name =
      names.lookup(nameOffset) ??
      names.at(nameOffset, {
        field: 'st_name',
        byteOffset: entry + ST_NAME,
        section: label,
        symbol: `#${index}`,
      });
    if (name === '' && type === STT_SECTION && sectionIndex < sectionCount)
      name = sections[sectionIndex]!.name;
    symbols[index] = {
      index,
      name,
      value,
      size,
      type,
      bind: info >> 4,
      visibility: other & 0x3,
      sectionIndex,
    };
  }
  return { sectionIndex: symtabIndex, symbols, names };
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
 * SHT_SYMTAB_SHNDX section (one u32 per symbol) and put SHN_XINDEX in st_shndx.
 * Returns the file offset of that array, if the symbol table has one.
 */
function findExtendedIndices(
  table: SectionTable,
  reader: ByteReader,
  symtabIndex: number,
  symbolCount: number,
  object: string,
): number | undefined {
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
    return section.offset;
  }
  return undefined;
}
