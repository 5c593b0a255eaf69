import { type ObjectFileView, STB_GLOBAL, STT_NOTYPE, STT_OBJECT, type SymbolView } from '@bpfkit/core';
import { mapSymbolsInSection } from '@bpfkit/maps-legacy';

/**
 * The symbols iproute2 counts as map definitions (bpf_map_num_sym): global NOTYPE or OBJECT
 * symbols of the maps section, ordered by offset. Stricter than libbpf 0.x, which also counted
 * static definitions.
 */
export function iproute2MapSymbols(file: ObjectFileView, sectionIndex: number): SymbolView[] {
  return mapSymbolsInSection(file, sectionIndex).filter(
    (sym) => sym.bind === STB_GLOBAL && (sym.type === STT_NOTYPE || sym.type === STT_OBJECT),
  );
}
