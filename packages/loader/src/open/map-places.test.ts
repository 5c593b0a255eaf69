import { type MapSpec, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { indexMapPlaces } from './map-places.js';

function map(name: string, sectionIndex: number, offset: number, kind?: MapSpec['kind']): MapSpec {
  const spec: MapSpec = {
    name,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: 1,
    flags: 0,
    pinning: { kind: 'none' },
    source: { format: 'test', section: `s${sectionIndex}`, sectionIndex, offset },
  };
  if (kind) spec.kind = kind;
  return spec;
}

describe('indexMapPlaces', () => {
  const maps = [
    map('first', 5, 0),
    map('second', 5, 32),
    map('.data', 7, 0, 'data'),
    map('.data.again', 7, 0, 'data'),
    map('ops', 9, 0, 'struct-ops'),
    map('shadow', 5, 32),
  ];
  const places = indexMapPlaces(maps);

  it('finds the map defined at a section offset, the first of two, never global data', () => {
    expect(places.definitionAt(5, 0)?.name).toBe('first');
    expect(places.definitionAt(5, 32)?.name).toBe('second');
    expect(places.definitionAt(9, 0)?.name).toBe('ops');
    expect(places.definitionAt(7, 0)).toBeUndefined();
    expect(places.definitionAt(5, 8)).toBeUndefined();
  });

  it("finds a section's global-data map, the first of two, and nothing for other sections", () => {
    expect(places.dataMap(7)?.name).toBe('.data');
    expect(places.dataMap(5)).toBeUndefined();
    expect(places.dataMap(8)).toBeUndefined();
  });
});
