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
  const slots = new Map<string, Map<number, MapEntry>>();
  relocations.forEach((reloc, index) => {
    const offset = Number(reloc.offset);
    // built only for an error: an open reads every relocation of .maps
    const at = (): ErrorLocation => ({ ...location, byteOffset: offset, field: `relocation #${index}` });
    const symbol = symbolAt(file, reloc.symbolIndex);
    if (!symbol) {
      throw new MapDefinitionError(
        `.maps relocation names symbol ${reloc.symbolIndex}, past the symbol table`,
        {
          location: at(),
        },
      );
    }
    const target = symbol.name;
    if (reloc.type !== R_BPF_64_64 && reloc.type !== R_BPF_64_ABS64) {
      throw new MapDefinitionError(
        `.maps relocation against ${target} has type ${reloc.type}, not a 64-bit pointer`,
        {
          location: { ...at(), symbol: target },
        },
      );
    }
    const map = maps.find((m) => m.offset <= offset && offset + BPF_POINTER_SIZE <= m.offset + m.size);
    if (!map) {
      throw new MapDefinitionError(`no map holds the .maps relocation against ${target}`, {
        location: { ...at(), symbol: target },
      });
    }
    const { definition } = map;
    // built only for an error, like `at`: a spread here cost a microsecond per relocation
    const here = (): ErrorLocation => ({ ...at(), map: map.name, symbol: target });
    if (definition.values === undefined || definition.valuesOffset === undefined) {
      throw new MapDefinitionError(`map '${map.name}' has a pointer to ${target} outside a 'values' member`, {
        location: here(),
        hint: 'only map-in-map and PROG_ARRAY maps can be initialised, through __array(values, ...)',
      });
    }
    const relative = offset - map.offset - definition.valuesOffset;
    if (relative < 0 || relative % BPF_POINTER_SIZE !== 0) {
      throw new MapDefinitionError(
        `map '${map.name}': relocation against ${target} is not on a 'values' slot`,
        {
          location: here(),
        },
      );
    }
    const slot = relative / BPF_POINTER_SIZE;
    const kind = checkTarget(file, section, map, symbol.sectionIndex, here);
    // the u32 key written byte by byte: reading `.buffer` of a small typed array moves it off
    // V8's heap, which cost more than the rest of the slot
    const key = new Uint8Array([slot & 0xff, (slot >>> 8) & 0xff, (slot >>> 16) & 0xff, slot >>> 24]);
    const entries = slots.get(map.name) ?? new Map<number, MapEntry>();
    entries.set(slot, { key, ref: { kind, name: target } });
    slots.set(map.name, entries);
  });
  return new Map(
    [...slots].map(([name, entries]) => [
      name,
      [...entries].sort(([a], [b]) => a - b).map(([, entry]) => entry),
    ]),
  );
}

/** libbpf's checks on a slot's target: inner maps live in .maps; programs are code. */
function checkTarget(
  file: ObjectFileView,
  maps: SectionView,
  map: PlacedDefinition,
  targetSection: number,
  where: () => ErrorLocation,
): 'map' | 'program' {
  const { definition } = map;
  if (definition.values === 'maps') {
    if (targetSection !== maps.index) {
      const location = where();
      throw new MapDefinitionError(`'${location.symbol}' isn't a BTF-defined map`, {
        location,
        hint: 'map-in-map slots can only point to maps declared in SEC(".maps")',
      });
    }
    if (definition.type === MapType.HASH_OF_MAPS && definition.keySize !== 4) {
      throw new MapDefinitionError(`hash-of-maps '${map.name}' should have key size 4 to be initialised`, {
        location: where(),
      });
    }
    return 'map';
  }
  const code = file.sections[targetSection];
  if (!code || (code.flags & SHF_EXECINSTR) === 0n) {
    const location = where();
    throw new MapDefinitionError(`'${location.symbol}' isn't a program`, {
      location,
      hint: 'PROG_ARRAY slots can only point to BPF programs',
    });
  }
  return 'program';
}
