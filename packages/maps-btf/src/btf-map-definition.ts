import type { Btf } from '@bpfkit/btf';
import { type ErrorLocation, isMapInMapType, LibbpfPinType, MapDefinitionError, MapType } from '@bpfkit/core';
import { knownMemberName } from './definition-fields.js';

/**
 * One BTF map definition struct, read as libbpf's parse_btf_map_def reads it: plain numbers as
 * the struct says them, before any libbpf adjustment (ring buffer rounding is the caller's).
 * parseBtfMapDefinition writes every field, an optional one as `undefined` when the struct lacks
 * its member (one shape for every definition): test optional fields against undefined, not `in`.
 */
export interface BtfMapDefinition {
  /** the definition struct's type id (after typedefs and modifiers) */
  typeId: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** set when the struct has a numa_node member */
  numaNode?: number | undefined;
  /** set when the struct has a map_extra member (libbpf reads it as a u32 array length) */
  mapExtra?: bigint | undefined;
  /** LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME */
  pinning: number;
  /** BTF type of `key` / `value` when given as `__type(...)` */
  keyTypeId?: number | undefined;
  valueTypeId?: number | undefined;
  /** what the `values` member holds: inner maps (map-in-map) or programs (PROG_ARRAY) */
  values?: 'maps' | 'programs' | undefined;
  /** byte offset of the `values` member: relocations there fill initial slots */
  valuesOffset?: number | undefined;
  /** the inner map template of a map-in-map */
  inner?: BtfMapDefinition | undefined;
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
  const kind = btf.kindOf(structId);
  if (kind !== 'STRUCT')
    throw fail(mapName, `definition is a ${kind}, not a struct`, options, { typeId: structId });
  // every field written here, the optional ones as undefined: a definition's fields then come in
  // one order whatever order its members do, so every definition shares one hidden class and the
  // readers of them stay monomorphic
  const def: BtfMapDefinition = {
    typeId: structId,
    type: MapType.UNSPEC,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    numaNode: undefined,
    mapExtra: undefined,
    pinning: LibbpfPinType.NONE,
    keyTypeId: undefined,
    valueTypeId: undefined,
    values: undefined,
    valuesOffset: undefined,
    inner: undefined,
    unknownMembers: [],
  };
  // The members are read straight from the btf_member words (name_off, type, offset), as the
  // CO-RE code reads them: no decoded struct, and error locations only when something fails.
  const holder = btf.typeHolder(structId);
  const words = holder.words;
  const record = btf.typeWordIndex(structId);
  const kindFlag = words[record + 1]! >>> 31 !== 0;
  const count = words[record + 1]! & 0xffff;
  // one record for every member, refilled: the readers use it only while reading that member
  const member: MemberWords = { name: '', type: 0, bitOffset: 0 };
  for (let index = 0; index < count; index++) {
    const word = record + 3 + index * 3;
    const offset = words[word + 2]!;
    const nameOffset = words[word]!;
    member.name = knownMemberName(holder, nameOffset) ?? holder.name(nameOffset);
    member.type = words[word + 1]!;
    // kind_flag splits the offset: bitfield size in the top 8 bits, bit offset below
    member.bitOffset = kindFlag ? offset & 0xffffff : offset;
    readMember(btf, def, member, index === count - 1, structId, mapName, options, isInner);
  }
  if (def.type === MapType.UNSPEC) {
    throw fail(mapName, "map type isn't specified", options, {
      typeId: structId,
      hint: 'add __uint(type, BPF_MAP_TYPE_...) to the definition',
    });
  }
  return def;
}

/** What the definition reader needs of a btf_member (refilled per member: never kept). */
interface MemberWords {
  name: string;
  type: number;
  bitOffset: number;
}

/** One member of a definition struct into `def` (libbpf's parse_btf_map_def switch). */
function readMember(
  btf: Btf,
  def: BtfMapDefinition,
  member: MemberWords,
  isLast: boolean,
  structId: number,
  mapName: string,
  options: ParseDefinitionOptions,
  isInner: boolean,
): void {
  const field = member.name;
  switch (field) {
    case 'type':
      def.type = intField(btf, member, mapName, options);
      return;
    case 'max_entries':
      def.maxEntries = intField(btf, member, mapName, options);
      return;
    case 'map_flags':
      def.flags = intField(btf, member, mapName, options);
      return;
    case 'numa_node':
      def.numaNode = intField(btf, member, mapName, options);
      return;
    case 'map_extra':
      def.mapExtra = BigInt(intField(btf, member, mapName, options));
      return;
    case 'key_size':
      def.keySize = agreeingSize(
        def.keySize,
        intField(btf, member, mapName, options),
        'key',
        mapName,
        options,
        field,
        structId,
      );
      return;
    case 'value_size':
      def.valueSize = agreeingSize(
        def.valueSize,
        intField(btf, member, mapName, options),
        'value',
        mapName,
        options,
        field,
        structId,
      );
      return;
    case 'key': {
      const typeId = pointedType(btf, member, mapName, options);
      def.keySize = agreeingSize(
        def.keySize,
        sizeOf(btf, typeId, member, mapName, options),
        'key',
        mapName,
        options,
        field,
        structId,
      );
      def.keyTypeId = typeId;
      return;
    }
    case 'value': {
      const typeId = pointedType(btf, member, mapName, options);
      const size = sizeOf(btf, typeId, member, mapName, options);
      def.valueSize = agreeingSize(def.valueSize, size, 'value', mapName, options, field, structId);
      def.valueTypeId = typeId;
      return;
    }
    case 'values':
      readValues(btf, def, member, isLast, mapName, options, isInner);
      return;
    case 'pinning': {
      if (isInner)
        throw fail(mapName, 'an inner map definition cannot be pinned', options, { field, typeId: structId });
      const value = intField(btf, member, mapName, options);
      if (value !== LibbpfPinType.NONE && value !== LibbpfPinType.BY_NAME) {
        throw fail(mapName, `invalid pinning value ${value}`, options, {
          field,
          typeId: structId,
          hint: 'libbpf knows LIBBPF_PIN_NONE (0) and LIBBPF_PIN_BY_NAME (1)',
        });
      }
      def.pinning = value;
      return;
    }
    default:
      if (options.strict) {
        throw fail(mapName, `unknown field '${field}'`, options, {
          field,
          typeId: structId,
          hint: 'open with relaxedMaps to ignore fields libbpf does not know (source.btfTypeId names the struct)',
        });
      }
      def.unknownMembers.push(field);
      options.onUnknownMember?.(mapName, field);
  }
}

/** `int (*name)[N]` → N (libbpf's get_map_field_int), read from the btf_array words. */
function intField(btf: Btf, member: MemberWords, mapName: string, options: ParseDefinitionOptions): number {
  const plain = plainIntField(btf, member.type);
  if (plain >= 0) return plain;
  // anything else takes the checked path, which says what is wrong
  const pointerId = btf.skipModsAndTypedefs(member.type);
  if (btf.kindOf(pointerId) !== 'PTR') {
    throw fail(mapName, `attribute '${member.name}' should be a PTR, got ${btf.kindOf(pointerId)}`, options, {
      field: member.name,
      typeId: member.type,
      hint: 'declare integer attributes with __uint(name, value)',
    });
  }
  const arrayId = btf.sizeOrTypeOf(pointerId);
  const arrayKind = arrayId === 0 || arrayId > btf.typeCount ? 'void' : btf.kindOf(arrayId);
  if (arrayKind !== 'ARRAY') {
    throw fail(mapName, `attribute '${member.name}' should point to an ARRAY, got ${arrayKind}`, options, {
      field: member.name,
      typeId: member.type,
    });
  }
  return arrayField(btf, arrayId, ARRAY_NELEMS);
}

// BTF_KIND_* numbers the plain path reads
const KIND_PTR = 2;
const KIND_ARRAY = 3;
const KIND_TYPEDEF = 8;
const KIND_RESTRICT = 11;
const KIND_TYPE_TAG = 18;
/** TYPEDEF, VOLATILE, CONST, RESTRICT (8–11) and TYPE_TAG: what skipModsAndTypedefs follows. */
const isModifier = (kind: number) =>
  (kind >= KIND_TYPEDEF && kind <= KIND_RESTRICT) || kind === KIND_TYPE_TAG;
/** A chain of modifiers longer than this takes the checked path (MAX_RESOLVE_DEPTH's job). */
const PLAIN_DEPTH = 8;

/**
 * `int (*name)[N]`'s N read from the type words directly, or -1 for anything but a PTR (after
 * modifiers) to an ARRAY in a BTF of its own (no base): an open reads four or five such members a
 * map, and the checked path (a checked id, a kind name and a lookup per step) cost three times as
 * much. On -1 intField reads the member the checked way and says what is wrong.
 */
function plainIntField(btf: Btf, type: number): number {
  if (btf.base !== undefined || type === 0 || type > btf.typeCount) return -1;
  const words = btf.words;
  let at = btf.typeWordIndex(type);
  let kind = (words[at + 1]! >>> 24) & 0x1f;
  for (let depth = 0; isModifier(kind); depth++) {
    const next = words[at + 2]!;
    if (next === 0 || next > btf.typeCount || depth === PLAIN_DEPTH) return -1;
    at = btf.typeWordIndex(next);
    kind = (words[at + 1]! >>> 24) & 0x1f;
  }
  if (kind !== KIND_PTR) return -1;
  const arrayId = words[at + 2]!;
  if (arrayId === 0 || arrayId > btf.typeCount) return -1;
  const array = btf.typeWordIndex(arrayId);
  if (((words[array + 1]! >>> 24) & 0x1f) !== KIND_ARRAY) return -1;
  return words[array + ARRAY_NELEMS]!;
}

/** `T *name` → T's id (libbpf: the member itself must be the PTR, no typedef). */
function pointedType(
  btf: Btf,
  member: MemberWords,
  mapName: string,
  options: ParseDefinitionOptions,
): number {
  const kind = btf.kindOf(member.type);
  if (kind !== 'PTR') {
    throw fail(mapName, `${member.name} spec is not a PTR: ${kind}`, options, {
      field: member.name,
      typeId: member.type,
      hint: `declare it with __type(${member.name}, T)`,
    });
  }
  return btf.sizeOrTypeOf(member.type);
}

/** The size of the key or value type T. */
function sizeOf(
  btf: Btf,
  typeId: number,
  member: MemberWords,
  mapName: string,
  options: ParseDefinitionOptions,
): number {
  try {
    return btf.resolveSize(typeId);
  } catch (error) {
    throw fail(mapName, `cannot tell the ${member.name} size of type ${typeId}`, options, {
      field: member.name,
      typeId: member.type,
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
  field: string,
  typeId: number,
): number {
  if (current !== 0 && current !== size) {
    throw fail(mapName, `conflicting ${what} size ${current} != ${size}`, options, {
      field,
      typeId,
      hint: `${what} and ${what}_size must describe the same size`,
    });
  }
  return size;
}
/** `__array(values, struct inner)` or `__array(values, int (void *))`. */
function readValues(
  btf: Btf,
  def: BtfMapDefinition,
  member: MemberWords,
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
  def.valueSize = agreeingSize(def.valueSize, 4, 'value', mapName, options, 'values', member.type);
  // kinds and fields read from the records' words: decoding the inner struct (every member and
  // its name) only to learn its kind cost a map-in-map more than the rest of its definition
  if (btf.kindOf(member.type) !== 'ARRAY' || arrayField(btf, member.type, ARRAY_NELEMS) !== 0) {
    throw fail(mapName, `${what} spec is not a zero-sized array`, options, at);
  }
  const pointerId = btf.skipModsAndTypedefs(arrayField(btf, member.type, ARRAY_TYPE));
  const pointerKind = btf.kindOf(pointerId);
  if (pointerKind !== 'PTR') {
    throw fail(mapName, `${what} def is of unexpected kind ${kindName(pointerKind)}`, options, at);
  }
  const targetId = btf.skipModsAndTypedefs(btf.sizeOrTypeOf(pointerId));
  const targetKind = btf.kindOf(targetId);
  def.valuesOffset = member.bitOffset / 8;
  if (progArray) {
    if (targetKind !== 'FUNC_PROTO') {
      throw fail(mapName, `prog-array value def is of unexpected kind ${kindName(targetKind)}`, options, at);
    }
    def.values = 'programs';
    return;
  }
  if (targetKind !== 'STRUCT') {
    throw fail(mapName, `map-in-map inner def is of unexpected kind ${kindName(targetKind)}`, options, at);
  }
  def.values = 'maps';
  def.inner = parseBtfMapDefinition(btf, targetId, `${mapName}.inner`, options, true);
}

function kindName(kind: string): string {
  return kind === 'VOID' ? 'void' : kind;
}

// btf_array follows the btf_type: { type, index_type, nelems }
const ARRAY_TYPE = 3;
const ARRAY_NELEMS = 5;

/** A word of an ARRAY's btf_array, by its index in the record. */
function arrayField(btf: Btf, arrayId: number, word: number): number {
  return btf.typeHolder(arrayId).words[btf.typeWordIndex(arrayId) + word]!;
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
