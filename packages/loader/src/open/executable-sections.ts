import {
  artifactKey,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
  SHF_EXECINSTR,
  SHT_PROGBITS,
} from '@bpfkit/core';

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
