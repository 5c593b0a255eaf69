import { parsedObjectBtf } from '@bpfkit/btf';
import {
  artifactKey,
  cloneSpecData,
  type MapCollector,
  MapDefinitionError,
  type MapSpec,
  MapType,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
  STT_OBJECT,
  type SymbolView,
  withContext,
} from '@bpfkit/core';
import { isBccSection, parseBccSection } from './bcc-section.js';
import { type BccTableDefinition, readBccTable } from './bcc-table-definition.js';
import { BCC_SHARING_SECTIONS } from './bcc-table-types.js';

/** The format name in MapSpec.source.format and for `--format bcc`. */
export const BCC_FORMAT = 'bcc';

/** Where the collector leaves the tables it read, for plugins that want BCC's own facts. */
export const BccTableDefinitionsArtifact =
  artifactKey<readonly BccTableDefinition[]>('bcc table definitions');

/**
 * Reads BCC table sections (`maps/<type>[:<pin path>]`) into map specs, one per variable, in
 * section order and then offset order. Also usable without a pipeline (give it an
 * OpenContext-like object).
 */
export function readBccMaps(
  file: ObjectFileView,
  sections: readonly SectionView[],
  context: OpenContext,
): { definitions: BccTableDefinition[]; maps: MapSpec[] } {
  const object = context.objectName;
  const definitions: BccTableDefinition[] = [];
  const maps: MapSpec[] = [];
  for (const section of sections) {
    withContext('', { object, section: section.name }, () => {
      const sectionName = parseBccSection(section.name);
      const symbols = tableSymbols(file, section);
      if (BCC_SHARING_SECTIONS.has(sectionName.tableType)) {
        skipSharingSection(sectionName.tableType, section, symbols, context);
        return;
      }
      if (symbols.length === 0) return;
      const btf = parsedObjectBtf(file, context);
      if (!btf) {
        throw new MapDefinitionError(
          'the object has no .BTF, so the key and leaf of its tables are unknown',
          {
            hint: 'compile with clang -g: BCC-style tables take their key and value sizes from BTF',
          },
        );
      }
      const data = file.sectionData(section.index);
      for (const symbol of symbols) {
        const definition = withContext(`table ${symbol.name}`, { map: symbol.name }, () =>
          readBccTable(file, section, sectionName, symbol, btf, data),
        );
        definitions.push(definition);
        maps.push(mapSpecOf(definition, section));
        if (definition.type === MapType.PERF_EVENT_ARRAY && definition.maxEntries === 0) {
          context.events.emit({
            type: 'decision',
            message: `bcc table ${definition.name}: max_entries 0 kept; sized to the possible CPUs at load, as BCC does`,
          });
        }
      }
    });
  }
  linkInnerMaps(definitions, maps, object);
  return { definitions, maps };
}

/** BCC's collector: claims every `maps/<type>` section and reads its tables. */
export const bccMapCollector: MapCollector = {
  format: BCC_FORMAT,
  claims(section, _file, context) {
    if (!isBccSection(section.name)) return false;
    const { tableType, pinPath } = parseBccSection(section.name);
    context.events.emit({
      type: 'decision',
      message: `bcc format claims section ${section.name}: BCC table type ${tableType}${pinPath === undefined ? '' : `, pinned at ${pinPath}`}`,
    });
    return true;
  },
  collect(file, sections, context) {
    const { definitions, maps } = readBccMaps(file, sections, context);
    context.artifacts.set(BccTableDefinitionsArtifact, definitions);
    return maps;
  },
};

/** The variables of a section: named STT_OBJECT symbols, by offset. */
function tableSymbols(file: ObjectFileView, section: SectionView): SymbolView[] {
  return file.symbols
    .filter((s) => s.sectionIndex === section.index && s.type === STT_OBJECT && s.name !== '')
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function mapSpecOf(definition: BccTableDefinition, section: SectionView): MapSpec {
  const spec: MapSpec = {
    name: definition.name,
    type: definition.type,
    keySize: definition.keySize,
    valueSize: definition.valueSize,
    maxEntries: definition.maxEntries,
    flags: definition.flags,
    pinning: definition.pinPath === undefined ? { kind: 'none' } : { kind: 'path', path: definition.pinPath },
    source: {
      format: BCC_FORMAT,
      section: section.name,
      sectionIndex: section.index,
      offset: definition.offset,
      btfTypeId: definition.btfStructId,
      btfVarId: definition.btfVarId,
    },
  };
  if (definition.btfKeyTypeId !== undefined) spec.btfKeyTypeId = definition.btfKeyTypeId;
  if (definition.btfValueTypeId !== undefined) spec.btfValueTypeId = definition.btfValueTypeId;
  return spec;
}

/**
 * "export" and "shared" re-declare a table of this object for other BCC modules: no map of
 * their own. "extern" names a table another module owns, which one object cannot provide.
 */
function skipSharingSection(
  kind: string,
  section: SectionView,
  symbols: readonly SymbolView[],
  context: OpenContext,
): void {
  const names = symbols.map((s) => s.name).join(', ') || 'no variables';
  if (kind === 'extern' && symbols.length > 0) {
    throw new MapDefinitionError(`${names} refer to tables of another BCC module`, {
      location: { symbol: symbols[0]!.name },
      hint: 'define the table in this object, or load the owning object first and pass its map as a replacement',
    });
  }
  context.events.emit({
    type: 'decision',
    message: `bcc section ${section.name} (${names}) shares tables with other BCC modules: no map of its own`,
  });
}

/** array_of_maps$<inner> / hash_of_maps$<inner>: the outer map takes a copy of that table as template. */
function linkInnerMaps(definitions: readonly BccTableDefinition[], maps: MapSpec[], object: string): void {
  definitions.forEach((definition, i) => {
    if (definition.innerMap === undefined) return;
    const inner = maps.find((m) => m.name === definition.innerMap);
    if (!inner) {
      throw new MapDefinitionError(`inner table ${definition.innerMap} is not defined in this object`, {
        location: { object, map: definition.name, section: maps[i]!.source.section },
        hint: 'BPF_ARRAY_OF_MAPS / BPF_HASH_OF_MAPS name a table declared in the same object',
      });
    }
    const template: MapSpec = { ...cloneSpecData(inner), pinning: { kind: 'none' } };
    delete template.contents;
    maps[i]!.innerMap = template;
  });
}
