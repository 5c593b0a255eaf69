import type { MapCollector, ObjectFileView, OpenContext, SectionView } from '@bpfkit/core';
import { executableSections } from './executable-sections.js';

/**
 * Offers every non-code section to the collectors in order; the first that claims a section owns
 * it. Returns each collector with the sections it won (collectors with none are left out).
 */
export function claimSections(
  file: ObjectFileView,
  collectors: readonly MapCollector[],
  context: OpenContext,
): { collector: MapCollector; sections: SectionView[] }[] {
  const code = new Set(executableSections(file, context).map((s) => s.index));
  const won = new Map<MapCollector, SectionView[]>();
  for (const section of file.sections) {
    if (code.has(section.index) || section.name === '') continue;
    const owner = collectors.find((c) => c.claims(section, file, context));
    if (!owner) continue;
    const list = won.get(owner) ?? [];
    list.push(section);
    won.set(owner, list);
  }
  return [...won].map(([collector, sections]) => ({ collector, sections }));
}
