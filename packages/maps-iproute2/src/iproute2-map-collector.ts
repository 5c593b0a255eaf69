import {
  artifactKey,
  type MapCollector,
  type MapSpec,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
  SHT_PROGBITS,
  withContext,
} from '@bpfkit/core';
import { elfMapBtfIds } from './btf-ids.js';
import {
  ELF_MAP_DEF_SIZE,
  type ElfMapDefinition,
  elfMapDefinitionSize,
  readElfMapDefinitions,
} from './elf-map-definition.js';
import { linkMapsInMaps } from './map-in-map.js';
import { type Iproute2OpenOptions, type Iproute2Options, resolveOptions } from './options.js';
import { elfMapPinning, objectUid } from './pin-paths.js';
import { readPinningDatabase } from './pinning-database.js';
import { hasTailCallSections } from './tail-call-sections.js';

/** The format name in MapSpec.source.format and for `--format iproute2`. */
export const IPROUTE2_FORMAT = 'iproute2';

/**
 * Where the collector leaves the definitions it read (with their ids), for the spec transform
 * that fills tail-call slots and for any plugin that wants iproute2's own fields.
 */
export const ElfMapDefinitionsArtifact = artifactKey<readonly ElfMapDefinition[]>('iproute2 map definitions');

/**
 * Reads one maps section into specs: fields, pinning paths, BTF ids and map-in-map links.
 * Also usable without a pipeline (give it an OpenContext-like object).
 */
export function readIproute2Maps(
  file: ObjectFileView,
  section: SectionView,
  context: OpenContext<Iproute2OpenOptions>,
  defaults: Iproute2Options = {},
): { definitions: ElfMapDefinition[]; maps: MapSpec[] } {
  const object = context.objectName;
  const options = resolveOptions(context.options, defaults);
  const definitions = readElfMapDefinitions(file, section, object);
  const btfIds = elfMapBtfIds(
    file,
    definitions.map((d) => d.name),
    context,
  );
  let uid: string | undefined;
  let customPaths: ReadonlyMap<number, string> | undefined;
  const pinInputs = {
    object,
    pinningFile: options.pinningFile,
    objectUid: () => {
      uid ??= objectUid(context.bytes);
      return uid;
    },
    customPaths: () => {
      customPaths ??= readPinningDatabase(options.pinningFile);
      return customPaths;
    },
  };

  const maps = definitions.map((d) =>
    withContext(`map ${d.name}`, { map: d.name, section: section.name, byteOffset: d.offset }, () => {
      const ids = btfIds.get(d.name);
      const spec: MapSpec = {
        name: d.name,
        type: d.type,
        keySize: d.keySize,
        valueSize: d.valueSize,
        maxEntries: d.maxEntries,
        flags: d.flags,
        pinning: elfMapPinning(d.name, d.pinning, pinInputs),
        source: {
          format: IPROUTE2_FORMAT,
          section: section.name,
          sectionIndex: section.index,
          offset: d.offset,
          ...(ids ? { btfTypeId: ids.typeId, btfVarId: ids.varId } : {}),
        },
      };
      if (ids?.keyTypeId !== undefined) spec.btfKeyTypeId = ids.keyTypeId;
      if (ids?.valueTypeId !== undefined) spec.btfValueTypeId = ids.valueTypeId;
      return spec;
    }),
  );
  linkMapsInMaps(definitions, maps, object);
  return { definitions, maps };
}

/** Whether the collector claims a maps section, and why (reported as a decision event). */
function claimDecision(
  section: SectionView,
  file: ObjectFileView,
  context: OpenContext<Iproute2OpenOptions>,
): { claim: boolean; why: string } {
  const format = context.options.format;
  if (format === IPROUTE2_FORMAT) return { claim: true, why: '--format iproute2' };
  if (format !== undefined && format !== 'auto') return { claim: false, why: `--format ${String(format)}` };
  const size = elfMapDefinitionSize(file, section);
  if (size === ELF_MAP_DEF_SIZE)
    return { claim: true, why: `its definitions are ${size} bytes, struct bpf_elf_map` };
  if (hasTailCallSections(file))
    return { claim: true, why: 'the object has tail-call sections named ID/KEY' };
  return {
    claim: false,
    why: `its definitions are ${size === undefined ? 'of no single size' : `${size} bytes`}, not ${ELF_MAP_DEF_SIZE}, and no section is named ID/KEY`,
  };
}

/**
 * The iproute2 collector of SEC("maps"). In --format auto it claims the section only when the
 * object looks like iproute2's (36-byte definitions, or "ID/KEY" tail-call sections), so libbpf
 * 0.x legacy objects stay with the legacy collector.
 */
export function iproute2MapCollector(defaults: Iproute2Options = {}): MapCollector<Iproute2OpenOptions> {
  return {
    format: IPROUTE2_FORMAT,
    claims(section, file, context) {
      if (section.name !== 'maps' || section.type !== SHT_PROGBITS) return false;
      const { claim, why } = claimDecision(section, file, context);
      context.events.emit({
        type: 'decision',
        message: `iproute2 format ${claim ? 'claims' : 'leaves'} section maps: ${why}`,
      });
      return claim;
    },
    collect(file, sections, context) {
      const all = sections.map((section) => readIproute2Maps(file, section, context, defaults));
      context.artifacts.set(
        ElfMapDefinitionsArtifact,
        all.flatMap((r) => r.definitions),
      );
      return all.flatMap((r) => r.maps);
    },
  };
}
