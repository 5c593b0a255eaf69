import { cloneSpecData, isMapInMapType, MapDefinitionError, type MapSpec } from '@bpfkit/core';
import { type ElfMapDefinition, NO_INNER_INDEX } from './elf-map-definition.js';
import { u32Key } from './slot-key.js';

/**
 * iproute2's map-in-map by id (bpf_maps_attach_all), written into the specs:
 * - an ARRAY_OF_MAPS / HASH_OF_MAPS takes the map whose `id` equals its `inner_id` as inner
 *   template, and its value size is a map fd's (iproute2 passes sizeof(int) whatever it says);
 * - a map with an id, no inner_id and inner_idx other than -1 goes into slot inner_idx of every
 *   outer map whose inner_id is that id (the template itself usually does, at 0).
 * `specs[i]` is the spec of `definitions[i]`; both are edited in place.
 */
export function linkMapsInMaps(
  definitions: readonly ElfMapDefinition[],
  specs: MapSpec[],
  object: string,
): void {
  const templates = specs.map((spec) => templateOf(spec));
  definitions.forEach((outer, j) => {
    if (!isMapInMapType(outer.type)) return;
    const location = { object, map: outer.name, field: 'inner_id' };
    if (outer.innerId === 0) {
      throw new MapDefinitionError(`map-in-map ${outer.name} has no inner_id`, {
        location,
        hint: 'set inner_id to the id of the map that is the template of its values',
      });
    }
    const inner = definitions.findIndex((d) => d.id === outer.innerId);
    if (inner < 0) {
      throw new MapDefinitionError(`inner_id ${outer.innerId} of ${outer.name} is the id of no map`, {
        location,
      });
    }
    const spec = specs[j]!;
    spec.innerMap = templates[inner]!;
    spec.valueSize = 4;
  });

  definitions.forEach((inner) => {
    if (inner.id === 0 || inner.innerId !== 0 || inner.innerIndex === NO_INNER_INDEX) return;
    definitions.forEach((outer, j) => {
      if (!isMapInMapType(outer.type) || outer.innerId !== inner.id) return;
      const spec = specs[j]!;
      spec.contents = [
        ...(spec.contents ?? []),
        { key: u32Key(inner.innerIndex), ref: { kind: 'map', name: inner.name } },
      ];
    });
  });
}

/** A copy of a map spec to create an inner-map template from: never pinned, never filled. */
function templateOf(spec: MapSpec): MapSpec {
  const { contents: _contents, ...rest } = cloneSpecData(spec);
  return { ...rest, pinning: { kind: 'none' } };
}
