import { type ObjectFileView, STT_SECTION, type SymbolView } from '@bpfkit/core';

/**
 * The symbols that name map definitions in a section, ordered by offset: every symbol defined in
 * the section except section and file symbols. libbpf (before 1.0) and iproute2 both divide the
 * section size by this count to learn the definition size.
 */
export function mapSymbolsInSection(file: ObjectFileView, sectionIndex: number): SymbolView[] {
  return file.symbols
    .filter((sym) => sym.sectionIndex === sectionIndex && sym.type !== STT_SECTION && sym.name !== '')
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}
