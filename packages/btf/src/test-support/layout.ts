import type { DatasecLayout } from '../datasec-fixup.js';
import type { FixtureObject } from './elf.js';

/** The DatasecLayout a loader would hand over, taken from the fixture's section and symbol tables. */
export function layoutOf(object: FixtureObject): DatasecLayout {
  const symbol = (section: string, name: string) => {
    const index = object.sections.find((s) => s.name === section)?.index;
    return object.symbols.find((s) => s.name === name && s.sectionIndex === index);
  };
  return {
    sectionSize: (name) => object.sections.find((s) => s.name === name)?.size,
    symbolOffset: (section, name) => symbol(section, name)?.value,
    // STV_INTERNAL (1) and STV_HIDDEN (2)
    symbolHidden: (section, name) => [1, 2].includes(symbol(section, name)?.visibility ?? 0),
  };
}
