import { cloneSpecData, type MapSpec } from '@bpfkit/core';
import { alignOf } from './btf-align.js';
import { datasecVariables, type SpecInput } from './spec-input.js';

/** Global-data maps of one name from every spec, laid end to end as one section. */
export interface MergedDataMap {
  map: MapSpec;
  /** per input index: where its piece starts in the merged value */
  offsets: Map<number, number>;
}

/** Without BTF to say how a section's variables align, its piece starts at the widest BPF alignment. */
const DEFAULT_ALIGN = 8;

/**
 * Merges the global-data maps (`.data`, `.rodata`, `.bss`, ...) of the same name, in link order,
 * each piece at its variables' widest alignment, as the ELF linker appends same-named sections at
 * their sh_addralign: the value and initial data are the pieces laid end to end (zeros between),
 * flags are the union (a read-only `.rodata` stays read-only and frozen).
 */
export function mergeDataMaps(inputs: readonly SpecInput[]): Map<string, MergedDataMap> {
  const merged = new Map<string, MergedDataMap>();
  for (const input of inputs) {
    for (const piece of input.dataMaps.values()) {
      const align = pieceAlignment(input, piece.name);
      let entry = merged.get(piece.name);
      if (!entry) {
        const { initialData: _data, btfKeyTypeId: _key, btfValueTypeId: _value, ...rest } = piece;
        entry = { map: { ...cloneSpecData(rest), valueSize: 0 }, offsets: new Map() };
        delete entry.map.source.btfTypeId;
        delete entry.map.source.btfVarId;
        merged.set(piece.name, entry);
      }
      const map = entry.map;
      const offset = Math.ceil(map.valueSize / align) * align;
      entry.offsets.set(input.index, offset);
      if (piece.initialData || map.initialData) {
        const data = new Uint8Array(offset + piece.valueSize);
        if (map.initialData) data.set(map.initialData);
        if (piece.initialData) data.set(piece.initialData, offset);
        map.initialData = data;
      }
      map.valueSize = offset + piece.valueSize;
      map.flags |= piece.flags;
      if (piece.freeze) map.freeze = true;
    }
  }
  // .bss-like maps keep no initial data; a mix is zero-filled up to the full value
  for (const { map } of merged.values()) {
    if (map.initialData && map.initialData.length < map.valueSize) {
      const data = new Uint8Array(map.valueSize);
      data.set(map.initialData);
      map.initialData = data;
    }
  }
  return merged;
}

function pieceAlignment(input: SpecInput, section: string): number {
  // clang's string-literal sections (.rodata.str1.1) hold bytes
  if (section.startsWith('.rodata.str')) return 1;
  if (!input.btf) return DEFAULT_ALIGN;
  const btf = input.btf;
  const variables = datasecVariables(btf, section);
  if (variables.length === 0) return DEFAULT_ALIGN;
  return variables.reduce((widest, v) => Math.max(widest, alignOf(btf, btf.sizeOrTypeOf(v.id))), 1);
}
