import {
  type MapCollector,
  MapDefinitionError,
  type MapSpec,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
} from '@bpfkit/core';
import { mapSymbolsInSection } from './map-symbols.js';

/** struct bpf_map_def of libbpf before 1.0: type, key_size, value_size, max_entries, map_flags. */
export const LEGACY_MAP_DEF_SIZE = 20;
const FIELDS = ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const;

/**
 * Reads legacy map definitions from SEC("maps") the way libbpf 0.x did: the definition size is
 * the section size divided by the number of map symbols; shorter definitions are zero-extended
 * and bytes past the five known fields are kept in `extra` for plugins (libbpf refused non-zero
 * ones).
 */
export function readLegacyMaps(
  file: ObjectFileView,
  section: SectionView,
  objectName = file.name,
): MapSpec[] {
  const symbols = mapSymbolsInSection(file, section.index);
  const location = { object: objectName, section: section.name };
  if (symbols.length === 0) return [];
  if (section.size === 0 || section.size % symbols.length !== 0) {
    throw new MapDefinitionError(
      `cannot tell the map definition size: ${symbols.length} map symbols in ${section.size} bytes`,
      { location, hint: 'every symbol in the maps section must be one map definition of the same size' },
    );
  }
  const defSize = section.size / symbols.length;
  if (defSize < 4) {
    throw new MapDefinitionError(`map definitions of ${defSize} bytes are too short to hold a map type`, {
      location,
    });
  }
  const data = file.sectionData(section.index);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = file.byteOrder === 'little';

  return symbols.map((sym) => {
    const offset = Number(sym.value);
    if (offset + defSize > data.byteLength || offset % 4 !== 0) {
      throw new MapDefinitionError(
        `map definition at 0x${offset.toString(16)} lies outside the maps section`,
        {
          location: { ...location, symbol: sym.name, byteOffset: offset },
        },
      );
    }
    const fields = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
    FIELDS.forEach((field, i) => {
      if ((i + 1) * 4 <= defSize) fields[field] = view.getUint32(offset + i * 4, little);
    });
    const spec: MapSpec = {
      name: sym.name,
      ...fields,
      pinning: { kind: 'none' },
      source: { format: 'legacy', section: section.name, sectionIndex: section.index, offset },
    };
    if (defSize > LEGACY_MAP_DEF_SIZE) {
      spec.extra = data.slice(offset + LEGACY_MAP_DEF_SIZE, offset + defSize);
    }
    return spec;
  });
}

/** The default collector of SEC("maps") with libbpf-0.x semantics. */
export const legacyMapCollector: MapCollector = {
  format: 'legacy',
  claims: (section: SectionView) => section.name === 'maps',
  collect: (file: ObjectFileView, sections: readonly SectionView[], context: OpenContext) =>
    sections.flatMap((section) => readLegacyMaps(file, section, context.objectName)),
};
