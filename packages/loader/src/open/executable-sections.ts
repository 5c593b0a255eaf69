import {
  artifactKey,
  SHF_EXECINSTR as IMPORTED_SHF_EXECINSTR,
  SHT_PROGBITS as IMPORTED_SHT_PROGBITS,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
} from '@bpfkit/core';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHF_EXECINSTR = IMPORTED_SHF_EXECINSTR;
const SHT_PROGBITS = IMPORTED_SHT_PROGBITS;

/** The file's code sections, found once per open: the claims and the program collector both ask. */
const ExecutableSections = artifactKey<readonly SectionView[]>('executable sections');

/** Sections that hold code: PROGBITS with SHF_EXECINSTR and something in them. */
export function executableSections(
  file: ObjectFileView,
  context: Pick<OpenContext, 'artifacts'>,
): readonly SectionView[] {
  let sections = context.artifacts.get(ExecutableSections);
  if (sections === undefined) {
    sections = file.sections.filter(
      (s) => s.type === SHT_PROGBITS && s.size > 0 && (s.flags & SHF_EXECINSTR) !== 0n,
    );
    context.artifacts.set(ExecutableSections, sections);
  }
  return sections;
}
