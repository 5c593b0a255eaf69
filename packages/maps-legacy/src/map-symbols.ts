import { type ObjectFileView, STT_SECTION, type SymbolView, symbolFieldsOf } from '@bpfkit/core';

/**
 * The symbols that name map definitions in a section, ordered by offset: every symbol defined in
 * the section except section and file symbols. libbpf (before 1.0) and iproute2 both divide the
 * section size by this count to learn the definition size.
 */
export function mapSymbolsInSection(file: ObjectFileView, sectionIndex: number): SymbolView[] {
  const symbols = symbolFieldsOf(file);
  const inSection: SymbolView[] = [];
  for (let index = 0; index < symbols.count; index++) {
    if (symbols.sectionIndex(index) !== sectionIndex || symbols.type(index) === STT_SECTION) continue;
    const sym = symbols.symbol(index);
    if (sym.name !== '') inSection.push(sym);
  }
  return inSection.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}
