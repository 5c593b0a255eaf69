import { SHT_REL, SHT_RELA, SHT_SYMTAB } from '@bpfkit/core';
import { SHT_DYNSYM } from './elf-constants.js';
import { ElfFile } from './elf-file.js';
import { readElfHeader } from './elf-header.js';
import { fail } from './fail.js';
import { checkRelocationSection } from './relocations.js';
import { readSectionTable, type SectionTable, SH_FIELD } from './section-table.js';
import { readSymbolTable } from './symbol-table.js';

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
  const relocationSections = indexRelocationSections(table, symbolTable.sectionIndex, name);
  return new ElfFile({ name, bytes, reader, header, table, symbolTable, relocationSections });
}

/** Maps each relocated section to its REL/RELA sections; those for another symbol table (DYNSYM) are left out. */
function indexRelocationSections(
  table: SectionTable,
  symtabIndex: number | undefined,
  object: string,
): Map<number, number[]> {
  const byTarget = new Map<number, number[]>();
  for (const h of table.headers) {
    if (h.type !== SHT_REL && h.type !== SHT_RELA) continue;
    const label = table.sections[h.index]!.name || `[${h.index}]`;
    checkRelocationSection(h, label, object);
    const linkType = table.headers[h.link]!.type;
    if (linkType !== SHT_SYMTAB && linkType !== SHT_DYNSYM) {
      fail(
        `sh_link ${h.link} of a relocation section names a section of type ${linkType}, not a symbol table`,
        { object, section: label, field: 'sh_link', byteOffset: h.headerOffset + SH_FIELD.sh_link },
        'the relocation section header is corrupt',
      );
    }
    if (h.link !== symtabIndex) continue;
    const list = byTarget.get(h.info);
    if (list) list.push(h.index);
    else byTarget.set(h.info, [h.index]);
  }
  return byTarget;
}
