import {
  SHT_REL as IMPORTED_SHT_REL,
  SHT_RELA as IMPORTED_SHT_RELA,
  SHT_STRTAB as IMPORTED_SHT_STRTAB,
  SHT_SYMTAB as IMPORTED_SHT_SYMTAB,
  type MapCollector,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
} from '@bpfkit/core';
import { executableSections } from './executable-sections.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHT_REL = IMPORTED_SHT_REL;
const SHT_RELA = IMPORTED_SHT_RELA;
const SHT_STRTAB = IMPORTED_SHT_STRTAB;
const SHT_SYMTAB = IMPORTED_SHT_SYMTAB;

/**
 * Offers every section that holds data, whatever its name, to the collectors in order; the first
 * that claims a section owns it. Code is the programs', and the ELF file's own bookkeeping
 * (symbol and string tables, relocations: a third of a clang object's sections) is offered to
 * none, as libbpf's bpf_object__elf_collect reads no map there. Returns each collector with the
 * sections it won (collectors with none are left out).
 */
export function claimSections(
  file: ObjectFileView,
  collectors: readonly MapCollector[],
  context: OpenContext,
): { collector: MapCollector; sections: SectionView[] }[] {
  const code = executableSections(file, context);
  // each collector with its sections, in the order of the first section each one won
  const won: { collector: MapCollector; sections: SectionView[] }[] = [];
  // plain loops: an open offers every section, and a closure per offer was garbage to collect
  for (const section of file.sections) {
    if (section.name === '' || isBookkeeping(section.type) || code.includes(section)) continue;
    let owner: MapCollector | undefined;
    for (const collector of collectors) {
      if (collector.claims(section, file, context)) {
        owner = collector;
        break;
      }
    }
    if (owner === undefined) continue;
    let entry: { collector: MapCollector; sections: SectionView[] } | undefined;
    for (const candidate of won) if (candidate.collector === owner) entry = candidate;
    if (entry) entry.sections.push(section);
    else won.push({ collector: owner, sections: [section] });
  }
  return won;
}

function isBookkeeping(type: number): boolean {
  return type === SHT_REL || type === SHT_RELA || type === SHT_SYMTAB || type === SHT_STRTAB;
}
