import { SHT_STRTAB } from '@bpfkit/core';
import type { ElfFile } from './elf-file.js';

/** What exerciseElf touched; tests assert on it so a fuzz loop cannot pass by reading nothing. */
export interface ExerciseSummary {
  sections: number;
  symbols: number;
  relocations: number;
  strings: number;
  /** bytes of section data visited (NOBITS sections included) */
  bytes: number;
}

/**
 * Reads everything an ElfFile can give: every section's header and data, every symbol and its
 * section's symbol list, every relocation and the symbol it names, every string of every string
 * table. For fuzz tests (here and in the loader and CLI): on corrupt input the only error any of
 * this may throw is ElfError.
 */
export function exerciseElf(file: ElfFile): ExerciseSummary {
  const summary: ExerciseSummary = { sections: 0, symbols: 0, relocations: 0, strings: 0, bytes: 0 };
  for (const section of file.sections) {
    file.sectionHeader(section.index);
    file.sectionByName(section.name);
    const data = file.sectionData(section.index);
    summary.bytes += data.length;
    summary.sections++;
    if (section.type === SHT_STRTAB) summary.strings += walkStrings(file, section.index, data);
    for (const relocation of file.relocationsFor(section.index)) {
      // readElf guarantees the index is inside the symbol table; a missing entry is a reader bug.
      if (file.symbols[relocation.symbolIndex] === undefined) {
        throw new Error(`relocation names symbol ${relocation.symbolIndex}, which does not exist`);
      }
      summary.relocations++;
    }
  }
  const grouped = new Set<number>();
  let listed = 0;
  for (const symbol of file.symbols) {
    if (!grouped.has(symbol.sectionIndex)) {
      grouped.add(symbol.sectionIndex);
      listed += file.symbolsInSection(symbol.sectionIndex).length;
    }
    summary.symbols++;
  }
  if (listed !== file.symbols.length)
    throw new Error(`symbolsInSection lists ${listed} of ${file.symbols.length} symbols`);
  return summary;
}

/** Visits each NUL-terminated string; an unterminated tail is left to stringAt to report. */
function walkStrings(file: ElfFile, tableIndex: number, data: Uint8Array): number {
  let count = 0;
  let offset = 0;
  while (offset < data.length) {
    file.stringAt(tableIndex, offset);
    count++;
    const end = data.indexOf(0, offset);
    if (end < 0) break;
    offset = end + 1;
  }
  return count;
}
