import { type ObjectFileView, type SectionView, SHF_EXECINSTR, SHT_PROGBITS } from '@bpfkit/core';

/** Sections that hold code: PROGBITS with SHF_EXECINSTR and something in them. */
export function executableSections(file: ObjectFileView): SectionView[] {
  return file.sections.filter(
    (s) => s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0n && s.size > 0,
  );
}
