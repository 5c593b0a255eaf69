import {
  type ErrorLocation,
  MapDefinitionError,
  type MapEntry,
  MapType,
  type ObjectFileView,
  R_BPF_64_64,
  R_BPF_64_ABS64,
  type SectionView,
  SHF_EXECINSTR,
  symbolAt,
} from '@bpfkit/core';
import type { BtfMapDefinition } from './btf-map-definition.js';

/** BPF pointers are 8 bytes whatever the host: each `values` slot is one pointer. */
const BPF_POINTER_SIZE = 8;

/** A map read from `.maps` with where its variable lies, as the slot reader needs it. */
export interface PlacedDefinition {
  name: string;
  /** VAR offset and size inside the `.maps` section */
  offset: number;
  size: number;
  definition: BtfMapDefinition;
}

/**
 * The initial `values` of map-in-map and PROG_ARRAY maps, from the relocations of the `.maps`
 * section (libbpf's bpf_object__collect_map_relos): a relocation at slot i of a map's `values`
 * against symbol S puts map S (map-in-map) or program S (PROG_ARRAY) at key i. Keys are u32 in
 * little-endian order: the kernel reads keys in host order and bpfkit loads on x86 only.
 * Returns the entries by map name, slots in ascending order; undefined when `.maps` has no
 * relocations.
 */
export function readInitialSlots(
  file: ObjectFileView,
  section: SectionView,
  maps: readonly PlacedDefinition[],
  location: ErrorLocation,
): Map<string, MapEntry[]> | undefined {
  const relocations = file.relocationsFor(section.index);
  // most objects initialise no slot: no maps to build for them
  if (relocations.length === 0) return undefined;
  const slots = new Map<string, SlotList>();
  // a loop with locals, and locations built only for an error: an open reads every relocation of
  // .maps, and a closure or a spread a relocation cost more than the rest of it
  for (let index = 0; index < relocations.length; index++) {
    const reloc = relocations[index]!;
    const offset = Number(reloc.offset);
    const symbol = symbolAt(file, reloc.symbolIndex);
    if (!symbol) {
      throw new MapDefinitionError(
        `.maps relocation names symbol ${reloc.symbolIndex}, past the symbol table`,
        { location: slotLocation(location, offset, index) },
      );
    }
    const target = symbol.name;
    if (reloc.type !== R_BPF_64_64 && reloc.type !== R_BPF_64_ABS64) {
      throw new MapDefinitionError(
        `.maps relocation against ${target} has type ${reloc.type}, not a 64-bit pointer`,
        { location: slotLocation(location, offset, index, target) },
      );
    }
    const map = mapHolding(maps, offset);
    if (!map) {
      throw new MapDefinitionError(`no map holds the .maps relocation against ${target}`, {
        location: slotLocation(location, offset, index, target),
      });
    }
    const { definition } = map;
    if (definition.values === undefined || definition.valuesOffset === undefined) {
      throw new MapDefinitionError(`map '${map.name}' has a pointer to ${target} outside a 'values' member`, {
        location: slotLocation(location, offset, index, target, map.name),
        hint: 'only map-in-map and PROG_ARRAY maps can be initialised, through __array(values, ...)',
      });
    }
    const relative = offset - map.offset - definition.valuesOffset;
    if (relative < 0 || relative % BPF_POINTER_SIZE !== 0) {
      throw new MapDefinitionError(
        `map '${map.name}': relocation against ${target} is not on a 'values' slot`,
        { location: slotLocation(location, offset, index, target, map.name) },
      );
    }
    const slot = relative / BPF_POINTER_SIZE;
    const kind = checkTarget(file, section, map, symbol.sectionIndex, location, offset, index, target);
    // the u32 key written byte by byte: reading `.buffer` of a small typed array moves it off
    // V8's heap, and a typed array made from an array literal iterates it, each costing more than
    // the rest of the slot
    const key = new Uint8Array(4);
    key[0] = slot & 0xff;
    key[1] = (slot >>> 8) & 0xff;
    key[2] = (slot >>> 16) & 0xff;
    key[3] = slot >>> 24;
    let list = slots.get(map.name);
    if (list === undefined) {
      list = { slots: [], entries: [] };
      slots.set(map.name, list);
    }
    // a later relocation of the same slot replaces the earlier, as libbpf's does
    const entry: MapEntry = { key, ref: { kind, name: target } };
    const at = list.slots.indexOf(slot);
    if (at >= 0) list.entries[at] = entry;
    else {
      list.slots.push(slot);
      list.entries.push(entry);
    }
  }
  const inOrder = new Map<string, MapEntry[]>();
  for (const [name, list] of slots) inOrder.set(name, entriesInSlotOrder(list));
  return inOrder;
}

/** A map's initial entries as its relocations gave them, with the slot each fills. */
interface SlotList {
  slots: number[];
  entries: MapEntry[];
}

/** The entries by ascending slot: as they came when clang wrote them in order, else sorted. */
function entriesInSlotOrder({ slots, entries }: SlotList): MapEntry[] {
  let ordered = true;
  for (let i = 1; i < slots.length && ordered; i++) ordered = slots[i - 1]! < slots[i]!;
  if (ordered) return entries;
  const order = slots.map((_, i) => i).sort((a, b) => slots[a]! - slots[b]!);
  return order.map((i) => entries[i]!);
}

/** The map whose variable holds the 8-byte pointer at `offset` of `.maps`. */
function mapHolding(maps: readonly PlacedDefinition[], offset: number): PlacedDefinition | undefined {
  for (const map of maps)
    if (map.offset <= offset && offset + BPF_POINTER_SIZE <= map.offset + map.size) return map;
  return undefined;
}

/** Where relocation `index` of `.maps` (at `offset`) is, for an error about it. */
function slotLocation(
  location: ErrorLocation,
  offset: number,
  index: number,
  symbol?: string,
  map?: string,
): ErrorLocation {
  return {
    ...location,
    byteOffset: offset,
    field: `relocation #${index}`,
    ...(map === undefined ? {} : { map }),
    ...(symbol === undefined ? {} : { symbol }),
  };
}

/**
 * libbpf's checks on a slot's target: inner maps live in .maps; programs are code. The slot is
 * relocation `index` at `offset`, against `target`; its error location is built only on failure.
 */
function checkTarget(
  file: ObjectFileView,
  maps: SectionView,
  map: PlacedDefinition,
  targetSection: number,
  location: ErrorLocation,
  offset: number,
  index: number,
  target: string,
): 'map' | 'program' {
  const { definition } = map;
  if (definition.values === 'maps') {
    if (targetSection !== maps.index) {
      throw new MapDefinitionError(`'${target}' isn't a BTF-defined map`, {
        location: slotLocation(location, offset, index, target, map.name),
        hint: 'map-in-map slots can only point to maps declared in SEC(".maps")',
      });
    }
    if (definition.type === MapType.HASH_OF_MAPS && definition.keySize !== 4) {
      throw new MapDefinitionError(`hash-of-maps '${map.name}' should have key size 4 to be initialised`, {
        location: slotLocation(location, offset, index, target, map.name),
      });
    }
    return 'map';
  }
  const code = file.sections[targetSection];
  if (!code || (code.flags & SHF_EXECINSTR) === 0n) {
    throw new MapDefinitionError(`'${target}' isn't a program`, {
      location: slotLocation(location, offset, index, target, map.name),
      hint: 'PROG_ARRAY slots can only point to BPF programs',
    });
  }
  return 'program';
}
