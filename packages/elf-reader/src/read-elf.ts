import {
  SHT_REL as IMPORTED_SHT_REL,
  SHT_RELA as IMPORTED_SHT_RELA,
  SHT_SYMTAB as IMPORTED_SHT_SYMTAB,
} from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import {
  ELF64_SHDR_SIZE as IMPORTED_ELF64_SHDR_SIZE,
  SHT_DYNSYM as IMPORTED_SHT_DYNSYM,
} from './elf-constants.js';
import { ElfFile } from './elf-file.js';
import { readElfHeader } from './elf-header.js';
import { fail } from './fail.js';
import { checkRelocationSection, relocationEntrySize } from './relocations.js';
import {
  SH_FIELD as IMPORTED_SH_FIELD,
  readSectionTable,
  type SectionTable,
  sectionHeaderAt,
} from './section-table.js';
import { readSymbolTable } from './symbol-table.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHT_REL = IMPORTED_SHT_REL;
const SHT_RELA = IMPORTED_SHT_RELA;
const SHT_SYMTAB = IMPORTED_SHT_SYMTAB;
const ELF64_SHDR_SIZE = IMPORTED_ELF64_SHDR_SIZE;
const SHT_DYNSYM = IMPORTED_SHT_DYNSYM;
const SH_FIELD = IMPORTED_SH_FIELD;

/**
 * Parses an ELF64 eBPF object (either byte order). Everything cheap is read and checked now
 * (header, section headers, names, symbols); relocations and section data are read on demand.
 * Any malformation is an ElfError naming the field and byte offset.
 */
export function readElf(input: Uint8Array, name = '<memory>'): ElfFile {
  // A plain Uint8Array view even when given a Node Buffer: Buffer#slice shares memory, and copies
  // made from section data (spec bytes) must not alias the file.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const { header, reader } = readElfHeader(bytes, name);
  const table = readSectionTable(bytes, reader, header, name);
  const symbolTable = readSymbolTable(bytes, reader, table, name);
  const relocationSections = indexRelocationSections(table, reader, symbolTable.sectionIndex, name);
  return new ElfFile({ name, bytes, reader, header, table, symbolTable, relocationSections });
}

/** Maps each relocated section to its REL/RELA sections; those for another symbol table (DYNSYM) are left out. */
function indexRelocationSections(
  table: SectionTable,
  reader: ByteReader,
  symtabIndex: number | undefined,
  object: string,
): Map<number, number[]> {
  const byTarget = new Map<number, number[]>();
  const { sections, links, infos, tableOffset } = table;
  const view = reader.view;
  const little = reader.littleEndian;
  for (const section of sections) {
    const { index, type } = section;
    if (type !== SHT_REL && type !== SHT_RELA) continue;
    const label = section.name || `[${index}]`;
    const headerOffset = tableOffset + index * ELF64_SHDR_SIZE;
    // sh_entsize as two halves: the whole header is decoded only to say what is wrong
    const entsize = headerOffset + SH_FIELD.sh_entsize;
    const entrySize = relocationEntrySize(type);
    if (
      view.getUint32(entsize, little) !== (little ? entrySize : 0) ||
      view.getUint32(entsize + 4, little) !== (little ? 0 : entrySize) ||
      section.size % entrySize !== 0
    ) {
      checkRelocationSection(sectionHeaderAt(reader, tableOffset, index), label, object);
    }
    const link = links[index]!;
    const linkType = sections[link]!.type;
    if (linkType !== SHT_SYMTAB && linkType !== SHT_DYNSYM) {
      fail(
        `sh_link ${link} of a relocation section names a section of type ${linkType}, not a symbol table`,
        { object, section: label, field: 'sh_link', byteOffset: headerOffset + SH_FIELD.sh_link },
        'the relocation section header is corrupt',
      );
    }
    if (link !== symtabIndex) continue;
    const target = infos[index]!;
    const list = byTarget.get(target);
    if (list) list.push(index);
    else byTarget.set(target, [index]);
  }
  return byTarget;
}
