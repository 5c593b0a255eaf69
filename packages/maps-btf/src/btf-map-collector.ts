import { type Btf, objectBtf } from '@bpfkit/btf';
import {
  type ErrorLocation,
  type EventSink,
  LibbpfPinType,
  type MapCollector,
  MapDefinitionError,
  type MapSource,
  type MapSpec,
  MapType,
  type ObjectFileView,
  type OpenContext,
  type SectionView,
  silentEvents,
} from '@bpfkit/core';
import { type BtfMapDefinition, parseBtfMapDefinition } from './btf-map-definition.js';
import { findDatasec } from './find-datasec.js';
import { type PlacedDefinition, readInitialSlots } from './map-slots.js';
import { adjustRingbufSize } from './ringbuf-size.js';

/** The ELF section and BTF DATASEC that hold libbpf's BTF-defined maps. */
export const BTF_MAPS_SECTION = '.maps';

export interface ReadBtfMapsOptions {
  /** object name for messages (defaults to the file name) */
  objectName?: string;
  /** keep and ignore unknown definition members instead of failing (libbpf's relaxed_maps) */
  relaxedMaps?: boolean;
  /** where 'warning' events for ignored members go */
  events?: EventSink;
}

/**
 * Reads the BTF-defined maps of a `.maps` section as libbpf's bpf_object__init_user_btf_maps
 * does: one map per VAR of the `.maps` DATASEC, in DATASEC order. `btf` must be the object's BTF
 * with DATASECs fixed up (objectBtf gives it). PERF_EVENT_ARRAY keeps max_entries 0 when the
 * definition gives none: libbpf fills in the number of possible CPUs, which depends on the
 * machine, so the loader does that at load.
 */
export function readBtfMaps(
  file: ObjectFileView,
  section: SectionView,
  btf: Btf,
  options: ReadBtfMapsOptions = {},
): MapSpec[] {
  const object = options.objectName ?? file.name;
  const location: ErrorLocation = { object, section: section.name };
  const events = options.events ?? silentEvents;
  const datasecId = findDatasec(btf, BTF_MAPS_SECTION);
  if (datasecId === undefined) {
    throw new MapDefinitionError(`BTF has no DATASEC '${BTF_MAPS_SECTION}' for the maps section`, {
      location,
      hint: 'was the object compiled with -g? BTF-defined maps need BTF',
    });
  }
  // the DATASEC's btf_var_secinfo entries and each VAR straight from the type words, and one
  // unknown-member callback for every map (it reads the struct of the map being parsed): an open
  // reads every map, and a decoded DATASEC or a closure per map was garbage to collect
  const words = btf.typeHolder(datasecId).words;
  const datasecAt = btf.typeWordIndex(datasecId);
  const count = words[datasecAt + 1]! & 0xffff;
  let structId = 0;
  const onUnknownMember = (map: string, member: string) =>
    events.emit({
      type: 'warning',
      message: `map '${map}': ignoring unknown field '${member}'`,
      location: { ...location, map, field: member, typeId: structId },
    });

  const placed: PlacedDefinition[] = [];
  const specs = new Array<MapSpec>(count);
  for (let index = 0; index < count; index++) {
    const secinfo = datasecAt + 3 + index * 3;
    // btf_var_secinfo { type, offset, size }, read as locals: an object or a closure per map
    // (for error locations that an open never builds) was garbage to collect
    const varId = words[secinfo]!;
    const offset = words[secinfo + 1]!;
    const size = words[secinfo + 2]!;
    const name = btf.typeName(varId);
    if (name === '') {
      throw new MapDefinitionError(`map #${index} has an empty name`, {
        location: { ...location, typeId: varId, byteOffset: offset },
      });
    }
    if (offset + size > section.size) {
      throw new MapDefinitionError(`map '${name}' lies past the end of the section (BTF data is corrupted)`, {
        location: mapLocation(location, varId, offset, name),
      });
    }
    if (btf.kindNumberOf(varId) !== KIND_VAR) {
      throw new MapDefinitionError(`map '${name}': unexpected ${btf.kindOf(varId)} in the DATASEC`, {
        location: mapLocation(location, varId, offset, name),
      });
    }
    if (varLinkage(btf, varId) !== BTF_VAR_GLOBAL_ALLOCATED) {
      const variable = btf.typeById(varId);
      const linkage = variable.kind === 'VAR' ? variable.linkage : '';
      throw new MapDefinitionError(`map '${name}': unsupported map linkage ${linkage}`, {
        location: mapLocation(location, varId, offset, name),
        hint: 'BTF-defined maps must be global variables (not static)',
      });
    }
    structId = btf.skipModsAndTypedefs(btf.sizeOrTypeOf(varId));
    const structKind = btf.kindOf(structId);
    if (structKind !== 'STRUCT') {
      throw new MapDefinitionError(`map '${name}': unexpected def kind ${structKind}`, {
        location: mapLocation(location, varId, offset, name),
        hint: 'a map definition is an anonymous struct of __uint/__type members',
      });
    }
    if (btf.sizeOrTypeOf(structId) > size) {
      throw new MapDefinitionError(`map '${name}': invalid def size`, {
        location: mapLocation(location, varId, offset, name),
      });
    }
    const definition = parseBtfMapDefinition(btf, structId, name, {
      strict: !options.relaxedMaps,
      // written out, not spread from `location`: a spread costs about a microsecond per map
      location: { object, section: section.name, byteOffset: offset },
      onUnknownMember,
    });
    placed.push({ name, offset, size, definition });
    const source: MapSource = {
      format: 'btf',
      section: section.name,
      sectionIndex: section.index,
      offset,
      btfTypeId: structId,
      btfVarId: varId,
    };
    specs[index] = specFromDefinition(name, definition, source);
  }

  const slots = readInitialSlots(file, section, placed, location);
  if (slots) {
    for (const spec of specs) {
      const contents = slots.get(spec.name);
      if (contents) spec.contents = contents;
    }
  }
  return specs;
}

// BTF_KIND_VAR, and btf_var's linkage for a global variable (BTF_VAR_GLOBAL_ALLOCATED)
const KIND_VAR = 14;
const BTF_VAR_GLOBAL_ALLOCATED = 1;

/** Where map `name` (its VAR `varId` at `offset` in `.maps`) is, for an error about it. */
function mapLocation(location: ErrorLocation, varId: number, offset: number, name: string): ErrorLocation {
  return { ...location, typeId: varId, byteOffset: offset, map: name };
}

/** A VAR's btf_var.linkage, the word after its btf_type. */
function varLinkage(btf: Btf, id: number): number {
  return btf.typeHolder(id).words[btf.typeWordIndex(id) + 3]!;
}

/** libbpf's fill_map_from_def, for the outer map and (recursively) its inner template. */
function specFromDefinition(name: string, def: BtfMapDefinition, source: MapSource): MapSpec {
  const ringbuf = def.type === MapType.RINGBUF || def.type === MapType.USER_RINGBUF;
  const spec: MapSpec = {
    name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: ringbuf ? adjustRingbufSize(def.maxEntries) : def.maxEntries,
    flags: def.flags,
    pinning: def.pinning === LibbpfPinType.BY_NAME ? { kind: 'by-name' } : { kind: 'none' },
    source,
  };
  if (def.numaNode !== undefined) spec.numaNode = def.numaNode;
  if (def.mapExtra !== undefined) spec.mapExtra = def.mapExtra;
  if (def.keyTypeId !== undefined) spec.btfKeyTypeId = def.keyTypeId;
  if (def.valueTypeId !== undefined) spec.btfValueTypeId = def.valueTypeId;
  if (def.inner) {
    // The inner template has no variable of its own; it shares the outer map's place.
    const innerSource: MapSource = {
      format: source.format,
      section: source.section,
      sectionIndex: source.sectionIndex,
      offset: source.offset,
      btfTypeId: def.inner.typeId,
    };
    spec.innerMap = specFromDefinition(`${name}.inner`, def.inner, innerSource);
  }
  return spec;
}

/**
 * The collector of SEC(".maps"). It parses the object's BTF once (leaving it, DATASECs fixed, in
 * the ObjectBtfArtifact for later stages) and honours OpenOptions.relaxedMaps.
 */
export const btfMapCollector: MapCollector = {
  format: 'btf',
  claims: (section: SectionView) => section.name === BTF_MAPS_SECTION,
  collect(file: ObjectFileView, sections: readonly SectionView[], context: OpenContext): MapSpec[] {
    if (sections.length === 0) return [];
    const btf = objectBtf(file, context);
    if (!btf) {
      throw new MapDefinitionError('the .maps section needs BTF, and the object has no .BTF section', {
        location: { object: context.objectName, section: BTF_MAPS_SECTION },
        hint: 'compile with clang -g so that BTF describes the map definitions',
      });
    }
    const options: ReadBtfMapsOptions = { objectName: context.objectName, events: context.events };
    if (context.options.relaxedMaps !== undefined) options.relaxedMaps = context.options.relaxedMaps;
    // one `.maps` section; a loop, not flatMap (about 300 ns a call on Node 20), for any other count
    if (sections.length === 1) return readBtfMaps(file, sections[0]!, btf, options);
    const specs: MapSpec[] = [];
    for (const section of sections)
      for (const spec of readBtfMaps(file, section, btf, options)) specs.push(spec);
    return specs;
  },
};
