import { type Btf, ObjectBtfArtifact, parseBtf } from '@bpfkit/btf';
import { addContext, type ObjectFileView, type OpenContext } from '@bpfkit/core';

/**
 * The object's parsed `.BTF`, shared with the other stages through ObjectBtfArtifact: taken from
 * there when an earlier stage parsed it, left there otherwise. Undefined without a `.BTF`
 * section. DATASEC offsets are not needed here (tables are found by name), so no fixup is run;
 * a later stage that needs it (maps-btf's objectBtf) fixes the same instance up.
 */
export function objectBtf(file: ObjectFileView, context: Pick<OpenContext, 'artifacts'>): Btf | undefined {
  const shared = context.artifacts.get(ObjectBtfArtifact);
  if (shared) return shared;
  const section = file.sections.find((s) => s.name === '.BTF');
  if (!section) return undefined;
  let btf: Btf;
  try {
    btf = parseBtf(file.sectionData(section.index));
  } catch (error) {
    throw addContext(error, 'parse .BTF', { object: file.name, section: '.BTF' });
  }
  context.artifacts.set(ObjectBtfArtifact, btf);
  return btf;
}
