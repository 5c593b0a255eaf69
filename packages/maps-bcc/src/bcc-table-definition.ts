import type { Btf, BtfMember } from '@bpfkit/btf';
import {
  type ErrorLocation,
  MapDefinitionError,
  MapType,
  type ObjectFileView,
  type SectionView,
  type SymbolView,
} from '@bpfkit/core';
import type { BccSectionName } from './bcc-section.js';
import { BccTableType, bccMapType } from './bcc-table-types.js';

/** One BCC table as the object declares it: the variable, its struct and its initial data. */
export interface BccTableDefinition {
  /** the variable's name, which is the map's name */
  name: string;
  tableType: string;
  /** BPF_MAP_TYPE_* */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** the section's pin path (BPF_TABLE_PINNED), as written */
  pinPath?: string;
  /** the table named after '$' in array_of_maps / hash_of_maps sections */
  innerMap?: string;
  /** byte offset of the variable in its section (its symbol's value) */
  offset: number;
  /** the VAR, its struct `<name>_table_t`, and the types of its `key` and `leaf` members */
  btfVarId: number;
  btfStructId: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
}

/** Table types whose key BCC sets to 0 bytes (libbpf_probes.c's values for these maps). */
const NO_KEY = new Set<number>([MapType.QUEUE, MapType.STACK, MapType.RINGBUF]);
/** Table types whose value BCC sets to 0 bytes. */
const NO_VALUE = new Set<number>([MapType.RINGBUF]);

/**
 * Reads the table that `symbol` defines in a BCC section: key and value from the BTF of the
 * struct members `key` and `leaf`, max_entries and flags from the variable's initial data at the
 * offsets BTF gives for those members (BPF_F_TABLE initialises both). A member the struct lacks
 * reads as 0, as in BCC's frontend (BPF_PERF_OUTPUT has no flags, BPF_SK_STORAGE no max_entries).
 */
export function readBccTable(
  file: ObjectFileView,
  section: SectionView,
  sectionName: BccSectionName,
  symbol: SymbolView,
  btf: Btf,
  data: Uint8Array,
): BccTableDefinition {
  const name = symbol.name;
  const offset = Number(symbol.value);
  const location: ErrorLocation = { section: section.name, symbol: name, map: name, byteOffset: offset };
  const baseType = bccMapType(sectionName.tableType);
  if (baseType === undefined) {
    throw new MapDefinitionError(`BCC has no table type "${sectionName.tableType}"`, {
      location,
      hint: `known types: ${Object.keys(BccTableType).join(', ')}`,
    });
  }

  const varId = findTableVar(btf, section.name, name);
  if (varId === undefined) {
    throw new MapDefinitionError(`the BTF has no variable ${name} for this table`, {
      location,
      hint: 'compile with -g: a BCC table needs BTF for its key and leaf types',
    });
  }
  const variable = btf.typeById(varId);
  const structId = btf.skipModsAndTypedefs(variable.kind === 'VAR' ? variable.type : varId);
  const struct = btf.typeById(structId);
  if (struct.kind !== 'STRUCT') {
    throw new MapDefinitionError(`table ${name} is a ${btf.formatType(structId)}, not a struct`, {
      location: { ...location, typeId: structId },
      hint: 'declare BCC tables with BPF_TABLE / BPF_F_TABLE and friends',
    });
  }
  const member = (field: string): BtfMember | undefined => struct.members.find((m) => m.name === field);
  const key = member('key');
  const leaf = member('leaf');
  const type =
    sectionName.tableType === 'histogram' && key && isPlainInt(btf, key.type) ? MapType.ARRAY : baseType;
  if (!leaf || (!key && !NO_KEY.has(type))) {
    throw new MapDefinitionError(`struct ${struct.name || '(anon)'} has no ${leaf ? 'key' : 'leaf'} member`, {
      location: { ...location, typeId: structId, field: leaf ? 'key' : 'leaf' },
      hint: 'a BCC table struct starts with `key_type key; leaf_type leaf;`',
    });
  }

  const readInt = (field: 'max_entries' | 'flags'): number => {
    const m = member(field);
    if (!m) return 0;
    return readInitialInt(btf, m, data, offset, file.byteOrder, { ...location, typeId: structId, field });
  };

  const definition: BccTableDefinition = {
    name,
    tableType: sectionName.tableType,
    type,
    keySize: key && !NO_KEY.has(type) ? btf.resolveSize(key.type) : 0,
    valueSize: NO_VALUE.has(type) ? 0 : btf.resolveSize(leaf.type),
    maxEntries: readInt('max_entries'),
    flags: readInt('flags') >>> 0,
    offset,
    btfVarId: varId,
    btfStructId: structId,
  };
  if (key && !NO_KEY.has(type)) definition.btfKeyTypeId = key.type;
  if (!NO_VALUE.has(type)) definition.btfValueTypeId = leaf.type;
  if (sectionName.pinPath !== undefined) definition.pinPath = sectionName.pinPath;
  if (sectionName.innerMap !== undefined) definition.innerMap = sectionName.innerMap;
  return definition;
}

/**
 * The VAR of a table: by name inside the DATASEC of its section (clang leaves the offsets of
 * non-standard sections 0, so offsets cannot be used), else any VAR of that name.
 */
function findTableVar(btf: Btf, sectionName: string, name: string): number | undefined {
  for (const datasecId of btf.findByName(sectionName, 'DATASEC')) {
    const datasec = btf.typeById(datasecId);
    if (datasec.kind !== 'DATASEC') continue;
    const info = datasec.vars.find((v) => btf.typeName(v.type) === name);
    if (info) return info.type;
  }
  return btf.findByName(name, 'VAR')[0];
}

/** C's `int` exactly (BCC's isSpecificBuiltinType(Int)): 4 bytes, signed, not char or bool. */
function isPlainInt(btf: Btf, typeId: number): boolean {
  const type = btf.typeById(btf.skipModsAndTypedefs(typeId));
  return type.kind === 'INT' && type.size === 4 && type.signed && !type.char && !type.bool;
}

/** A 4-byte integer member of the variable's initial data, in the object's byte order. */
function readInitialInt(
  btf: Btf,
  member: BtfMember,
  data: Uint8Array,
  variableOffset: number,
  byteOrder: 'little' | 'big',
  location: ErrorLocation,
): number {
  const size = btf.resolveSize(member.type);
  if (size !== 4 || member.bitfieldSize !== 0 || member.bitOffset % 8 !== 0) {
    throw new MapDefinitionError(`${member.name} is ${btf.formatType(member.type)}, not a 4-byte integer`, {
      location,
      hint: 'BCC declares `u32 max_entries; int flags;`',
    });
  }
  const at = variableOffset + member.bitOffset / 8;
  if (at + 4 > data.length) {
    throw new MapDefinitionError(`${member.name} lies past the end of the section`, {
      location: { ...location, byteOffset: at },
    });
  }
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, byteOrder === 'little');
}
