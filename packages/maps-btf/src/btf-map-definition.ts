import type { Btf, BtfMember, BtfType } from '@bpfkit/btf';
import { type ErrorLocation, isMapInMapType, LibbpfPinType, MapDefinitionError, MapType } from '@bpfkit/core';

/**
 * One BTF map definition struct, read as libbpf's parse_btf_map_def reads it: plain numbers as
 * the struct says them, before any libbpf adjustment (ring buffer rounding is the caller's).
 */
export interface BtfMapDefinition {
  /** the definition struct's type id (after typedefs and modifiers) */
  typeId: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** present when the struct has a numa_node member */
  numaNode?: number;
  /** present when the struct has a map_extra member (libbpf reads it as a u32 array length) */
  mapExtra?: bigint;
  /** LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME */
  pinning: number;
  /** BTF type of `key` / `value` when given as `__type(...)` */
  keyTypeId?: number;
  valueTypeId?: number;
  /** what the `values` member holds: inner maps (map-in-map) or programs (PROG_ARRAY) */
  values?: 'maps' | 'programs';
  /** byte offset of the `values` member: relocations there fill initial slots */
  valuesOffset?: number;
  /** the inner map template of a map-in-map */
  inner?: BtfMapDefinition;
  /** members libbpf does not know, kept (by name) when relaxed */
  unknownMembers: string[];
}

export interface ParseDefinitionOptions {
  /** fail on unknown members (libbpf's default); when false they are reported and skipped */
  strict: boolean;
  /** where errors happened (object, section), completed with map and field here */
  location: ErrorLocation;
  /** told about each unknown member skipped in relaxed mode */
  onUnknownMember?: (mapName: string, member: string) => void;
}

/**
 * Reads a map definition struct. Integer attributes are `int (*name)[N]`: a PTR to an ARRAY whose
 * length is the value. `key`/`value` are `T *`: the size comes from T and the BTF id is T's.
 * `values` is a flexible array of pointers: to an inner definition struct (map-in-map, parsed
 * recursively as "<name>.inner") or to a function prototype (PROG_ARRAY).
 */
export function parseBtfMapDefinition(
  btf: Btf,
  structId: number,
  mapName: string,
  options: ParseDefinitionOptions,
  isInner = false,
): BtfMapDefinition {
  const struct = btf.typeById(structId);
  if (struct.kind !== 'STRUCT') {
    throw fail(mapName, `definition is a ${struct.kind}, not a struct`, options, { typeId: structId });
  }
  const def: BtfMapDefinition = {
    typeId: structId,
    type: MapType.UNSPEC,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    pinning: LibbpfPinType.NONE,
    unknownMembers: [],
  };
  const members = struct.members;
  members.forEach((member, index) => {
    const field = member.name;
    const at = { field, typeId: structId };
    switch (field) {
      case 'type':
        def.type = intField(btf, member, mapName, options);
        break;
      case 'max_entries':
        def.maxEntries = intField(btf, member, mapName, options);
        break;
      case 'map_flags':
        def.flags = intField(btf, member, mapName, options);
        break;
      case 'numa_node':
        def.numaNode = intField(btf, member, mapName, options);
        break;
      case 'map_extra':
        def.mapExtra = BigInt(intField(btf, member, mapName, options));
        break;
      case 'key_size':
        def.keySize = agreeingSize(
          def.keySize,
          intField(btf, member, mapName, options),
          'key',
          mapName,
          options,
          at,
        );
        break;
      case 'value_size':
        def.valueSize = agreeingSize(
          def.valueSize,
          intField(btf, member, mapName, options),
          'value',
          mapName,
          options,
          at,
        );
        break;
      case 'key': {
        const { typeId, size } = pointedType(btf, member, mapName, options);
        def.keySize = agreeingSize(def.keySize, size, 'key', mapName, options, at);
        def.keyTypeId = typeId;
        break;
      }
      case 'value': {
        const { typeId, size } = pointedType(btf, member, mapName, options);
        def.valueSize = agreeingSize(def.valueSize, size, 'value', mapName, options, at);
        def.valueTypeId = typeId;
        break;
      }
      case 'values':
        readValues(btf, def, member, index === members.length - 1, mapName, options, isInner);
        break;
      case 'pinning': {
        if (isInner) throw fail(mapName, 'an inner map definition cannot be pinned', options, at);
        const value = intField(btf, member, mapName, options);
        if (value !== LibbpfPinType.NONE && value !== LibbpfPinType.BY_NAME) {
          throw fail(mapName, `invalid pinning value ${value}`, options, {
            ...at,
            hint: 'libbpf knows LIBBPF_PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1)',
          });
        }
        def.pinning = value;
        break;
      }
      default:
        if (options.strict) {
          throw fail(mapName, `unknown field '${field}'`, options, {
            ...at,
            hint: 'open with relaxedMaps to ignore fields libbpf does not know (source.btfTypeId names the struct)',
          });
        }
        def.unknownMembers.push(field);
        options.onUnknownMember?.(mapName, field);
    }
  });
  if (def.type === MapType.UNSPEC) {
    throw fail(mapName, "map type isn't specified", options, {
      typeId: structId,
      hint: 'add __uint(type, BPF_MAP_TYPE_...) to the definition',
    });
  }
  return def;
}

/** `int (*name)[N]` → N (libbpf's get_map_field_int). */
function intField(btf: Btf, member: BtfMember, mapName: string, options: ParseDefinitionOptions): number {
  const at = { field: member.name, typeId: member.type };
  const pointer = btf.typeById(btf.skipModsAndTypedefs(member.type));
  if (pointer.kind !== 'PTR') {
    throw fail(mapName, `attribute '${member.name}' should be a PTR, got ${kindName(pointer)}`, options, {
      ...at,
      hint: 'declare integer attributes with __uint(name, value)',
    });
  }
  const array = pointer.type === 0 ? undefined : btf.typeById(pointer.type);
  if (array?.kind !== 'ARRAY') {
    throw fail(
      mapName,
      `attribute '${member.name}' should point to an ARRAY, got ${kindName(array)}`,
      options,
      at,
    );
  }
  return array.length;
}

/** `T *name` → T's id and size (libbpf: the member itself must be the PTR, no typedef). */
function pointedType(
  btf: Btf,
  member: BtfMember,
  mapName: string,
  options: ParseDefinitionOptions,
): { typeId: number; size: number } {
  const at = { field: member.name, typeId: member.type };
  const pointer = btf.typeById(member.type);
  if (pointer.kind !== 'PTR') {
    throw fail(mapName, `${member.name} spec is not a PTR: ${kindName(pointer)}`, options, {
      ...at,
      hint: `declare it with __type(${member.name}, T)`,
    });
  }
  try {
    return { typeId: pointer.type, size: btf.resolveSize(pointer.type) };
  } catch (error) {
    throw fail(mapName, `cannot tell the ${member.name} size of type ${pointer.type}`, options, {
      ...at,
      cause: error,
    });
  }
}

function agreeingSize(
  current: number,
  size: number,
  what: 'key' | 'value',
  mapName: string,
  options: ParseDefinitionOptions,
  at: ErrorLocation,
): number {
  if (current !== 0 && current !== size) {
    throw fail(mapName, `conflicting ${what} size ${current} != ${size}`, options, {
      ...at,
      hint: `${what} and ${what}_size must describe the same size`,
    });
  }
  return size;
}

/** `__array(values, struct inner)` or `__array(values, int (void *))`. */
function readValues(
  btf: Btf,
  def: BtfMapDefinition,
  member: BtfMember,
  isLast: boolean,
  mapName: string,
  options: ParseDefinitionOptions,
  isInner: boolean,
): void {
  const at = { field: 'values', typeId: member.type };
  const mapInMap = isMapInMapType(def.type);
  const progArray = def.type === MapType.PROG_ARRAY;
  const what = mapInMap ? 'map-in-map inner' : 'prog-array value';
  if (isInner) throw fail(mapName, 'multi-level inner maps are not supported', options, at);
  if (!isLast) throw fail(mapName, "'values' member should be last", options, at);
  if (!mapInMap && !progArray) {
    throw fail(mapName, "'values' needs a map-in-map or prog-array map type", options, {
      ...at,
      hint: "declare __uint(type, ...) before 'values'",
    });
  }
  def.valueSize = agreeingSize(def.valueSize, 4, 'value', mapName, options, at);
  const array = btf.typeById(member.type);
  if (array.kind !== 'ARRAY' || array.length !== 0) {
    throw fail(mapName, `${what} spec is not a zero-sized array`, options, at);
  }
  const pointer = btf.typeById(btf.skipModsAndTypedefs(array.type));
  if (pointer.kind !== 'PTR') {
    throw fail(mapName, `${what} def is of unexpected kind ${kindName(pointer)}`, options, at);
  }
  const targetId = btf.skipModsAndTypedefs(pointer.type);
  const target = targetId === 0 ? undefined : btf.typeById(targetId);
  def.valuesOffset = member.bitOffset / 8;
  if (progArray) {
    if (target?.kind !== 'FUNC_PROTO') {
      throw fail(mapName, `prog-array value def is of unexpected kind ${kindName(target)}`, options, at);
    }
    def.values = 'programs';
    return;
  }
  if (target?.kind !== 'STRUCT') {
    throw fail(mapName, `map-in-map inner def is of unexpected kind ${kindName(target)}`, options, at);
  }
  def.values = 'maps';
  def.inner = parseBtfMapDefinition(btf, targetId, `${mapName}.inner`, options, true);
}

function kindName(type: BtfType | undefined): string {
  return type === undefined ? 'void' : type.kind;
}

function fail(
  mapName: string,
  message: string,
  options: ParseDefinitionOptions,
  extra: ErrorLocation & { hint?: string; cause?: unknown } = {},
): MapDefinitionError {
  const { hint, cause, ...location } = extra;
  return new MapDefinitionError(`map '${mapName}': ${message}`, {
    location: { ...options.location, map: mapName, ...location },
    ...(hint === undefined ? {} : { hint }),
    ...(cause === undefined ? {} : { cause }),
  });
}
