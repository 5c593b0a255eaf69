import { MapDefinitionError, type ObjectFileView, type SectionView } from '@bpfkit/core';
import { iproute2MapSymbols } from './map-symbols.js';

/** sizeof(struct bpf_elf_map): type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx. */
export const ELF_MAP_DEF_SIZE = 36;
/** iproute2 refuses definitions shorter than type..max_elem (struct bpf_elf_map_min). */
export const ELF_MAP_DEF_MIN_SIZE = 16;
/** iproute2's map table holds at most ELF_MAX_MAPS definitions. */
export const ELF_MAX_MAPS = 64;
/** inner_idx of a map that goes into no outer map (iproute2 compares it with -1). */
export const NO_INNER_INDEX = 0xffffffff;

/** Values of bpf_elf_map.pinning that iproute2 reserves; any other value is looked up in bpf_pinning. */
export const Iproute2Pinning = {
  NONE: 0,
  OBJECT_NS: 1,
  GLOBAL_NS: 2,
} as const;

/** One struct bpf_elf_map as written in the object, named by its symbol. */
export interface ElfMapDefinition {
  name: string;
  /** byte offset in the maps section */
  offset: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** the id inner_id and tail-call sections ("ID/KEY") refer to; 0 for none */
  id: number;
  pinning: number;
  /** for ARRAY_OF_MAPS / HASH_OF_MAPS: the id of the inner map template */
  innerId: number;
  /** the slot this map takes in every outer map whose innerId is this map's id */
  innerIndex: number;
}

const FIELDS = [
  'type',
  'keySize',
  'valueSize',
  'maxEntries',
  'flags',
  'id',
  'pinning',
  'innerId',
  'innerIndex',
] as const;

/** The definition size iproute2 infers: section size / map symbols, or undefined if it cannot. */
export function elfMapDefinitionSize(file: ObjectFileView, section: SectionView): number | undefined {
  const count = iproute2MapSymbols(file, section.index).length;
  if (count === 0 || section.size % count !== 0) return undefined;
  return section.size / count;
}

/**
 * Reads SEC("maps") the way iproute2's bpf_fetch_maps_end does: the definition size is the
 * section size over the number of map symbols, each multiple of that size must start a symbol,
 * shorter definitions (down to 16 bytes) are zero-extended and longer ones refused.
 */
export function readElfMapDefinitions(
  file: ObjectFileView,
  section: SectionView,
  objectName = file.name,
): ElfMapDefinition[] {
  const location = { object: objectName, section: section.name };
  const symbols = iproute2MapSymbols(file, section.index);
  if (symbols.length === 0 || symbols.length > ELF_MAX_MAPS) {
    throw new MapDefinitionError(`${symbols.length} map symbols; iproute2 reads 1 to ${ELF_MAX_MAPS}`, {
      location,
      hint: 'map definitions must be global variables of type struct bpf_elf_map',
    });
  }
  if (section.size % symbols.length !== 0 || section.size % 4 !== 0) {
    throw new MapDefinitionError(
      `cannot tell the size of struct bpf_elf_map: ${symbols.length} map symbols in ${section.size} bytes`,
      { location, hint: 'every global symbol in the maps section must be one definition of the same size' },
    );
  }
  const defSize = section.size / symbols.length;
  if (defSize > ELF_MAP_DEF_SIZE) {
    throw new MapDefinitionError(
      `struct bpf_elf_map of ${defSize} bytes is longer than the ${ELF_MAP_DEF_SIZE} bytes iproute2 knows`,
      { location, hint: 'the object was built with a newer bpf_elf.h; iproute2 refuses it too' },
    );
  }
  if (defSize < ELF_MAP_DEF_MIN_SIZE) {
    throw new MapDefinitionError(
      `struct bpf_elf_map of ${defSize} bytes is shorter than type, size_key, size_value and max_elem`,
      { location },
    );
  }
  const bySlot = new Map(symbols.map((sym) => [Number(sym.value), sym]));
  for (let offset = 0; offset < section.size; offset += defSize) {
    if (!bySlot.has(offset)) {
      throw new MapDefinitionError(
        `no map symbol at offset ${offset}, where a ${defSize}-byte definition starts`,
        {
          location: { ...location, byteOffset: offset },
          hint: 'different struct bpf_elf_map sizes in one object?',
        },
      );
    }
  }

  const data = file.sectionData(section.index);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = file.byteOrder === 'little';
  return [...bySlot.values()].map((sym) => {
    const offset = Number(sym.value);
    const definition: ElfMapDefinition = {
      name: sym.name,
      offset,
      type: 0,
      keySize: 0,
      valueSize: 0,
      maxEntries: 0,
      flags: 0,
      id: 0,
      pinning: 0,
      innerId: 0,
      innerIndex: 0,
    };
    // Fields past a short definition stay zero, as iproute2's fixup leaves them.
    FIELDS.forEach((field, i) => {
      if ((i + 1) * 4 <= defSize) definition[field] = view.getUint32(offset + i * 4, little);
    });
    return definition;
  });
}
