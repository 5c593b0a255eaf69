import type { MapSpec } from '@bpfkit/core';

/**
 * Where the open's maps came from, for the passes that ask per symbol or per relocation which map
 * lies at a place: the global-data map of a section, and the map defined at an offset of one.
 * The maps are read once here. Asked map by map instead, each question read `kind` and `source`
 * from every MapSpec, and specs of a dozen shapes made those reads megamorphic: 2.9 µs for the
 * spec's symbols of an object with 14 maps (`btf_maps.bpfel.o`), 1.2 µs this way, and that
 * object's whole open 32.3 → 29.7 µs.
 */
export interface MapPlaces {
  /** the global-data map made of section `sectionIndex` (the first, if several) */
  dataMap(sectionIndex: number): MapSpec | undefined;
  /** the map (not global data) whose definition starts at `offset` of section `sectionIndex` */
  definitionAt(sectionIndex: number, offset: number): MapSpec | undefined;
}

export function indexMapPlaces(maps: readonly MapSpec[]): MapPlaces {
  // each map's kind and place, once, in plain arrays: a search over them reads no MapSpec (a
  // lookup table cost more than it saved for the handful of maps most objects have)
  const count = maps.length;
  const data = new Array<boolean>(count);
  const sections = new Array<number>(count);
  const offsets = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const map = maps[i]!;
    data[i] = map.kind === 'data';
    sections[i] = map.source.sectionIndex;
    offsets[i] = map.source.offset;
  }
  return {
    dataMap(sectionIndex) {
      for (let i = 0; i < count; i++) if (data[i] && sections[i] === sectionIndex) return maps[i];
      return undefined;
    },
    definitionAt(sectionIndex, offset) {
      for (let i = 0; i < count; i++) {
        if (!data[i] && sections[i] === sectionIndex && offsets[i] === offset) return maps[i];
      }
      return undefined;
    },
  };
}
