import { ObjectBtfArtifact } from '@bpfkit/btf';
import { MapDefinitionError, MapFlag, type MapSpec, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { btfMapCollector } from './btf-map-collector.js';
import { loadFixture, openContext, section, u32le } from './test-support/fixtures.js';

function collect(name: string, options = {}) {
  const file = loadFixture(name);
  const context = openContext(options);
  const maps = btfMapCollector.collect(file, [section(file, '.maps')], context);
  return { file, context, maps, byName: (n: string) => maps.find((m) => m.name === n)! };
}

/** A spec without where it came from, to compare the two byte orders. */
const shape = ({ source, innerMap, ...rest }: MapSpec): object => ({
  ...rest,
  offset: source.offset,
  ...(innerMap ? { innerMap: shape(innerMap) } : {}),
});

describe.each(['bpfel', 'bpfeb'])('btfMapCollector on btf_maps.%s.o', (order) => {
  const { maps, byName, file, context } = collect(`btf_maps.${order}.o`);

  it('reads one map per variable of the .maps DATASEC, in offset order', () => {
    expect(maps.map((m) => m.name)).toEqual([
      'inner_a',
      'inner_b',
      'outer_array',
      'inner_h',
      'outer_hash',
      'jump_table',
      'flows',
      'pinned_array',
      'lru_counts',
      'seen_ports',
      'work_queue',
      'events',
      'outer_anon',
      'perf_events',
    ]);
    const offsets = maps.map((m) => m.source.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('takes key and value sizes and BTF ids from __type members', () => {
    const btf = context.artifacts.get(ObjectBtfArtifact)!;
    const flows = byName('flows');
    expect(flows).toMatchObject({ type: MapType.HASH, keySize: 16, valueSize: 16, maxEntries: 1024 });
    expect(btf.formatType(flows.btfKeyTypeId!)).toBe('struct flow_key');
    expect(btf.formatType(flows.btfValueTypeId!)).toBe('flow_stats_t');
  });

  it('reads flags, numa_node, map_extra and pinning', () => {
    expect(byName('flows')).toMatchObject({ flags: MapFlag.NO_PREALLOC, numaNode: 0 });
    expect(byName('flows').mapExtra).toBeUndefined();
    expect(byName('seen_ports')).toMatchObject({
      type: MapType.BLOOM_FILTER,
      keySize: 0,
      valueSize: 4,
      mapExtra: 3n,
    });
    expect(byName('pinned_array').pinning).toEqual({ kind: 'by-name' });
    expect(byName('flows').pinning).toEqual({ kind: 'none' });
  });

  it('takes sizes from key_size/value_size without BTF ids, and accepts a key_size that agrees with key', () => {
    const array = byName('pinned_array');
    expect(array).toMatchObject({ keySize: 4, valueSize: 24, maxEntries: 16 });
    expect(array.btfKeyTypeId).toBeUndefined();
    expect(array.btfValueTypeId).toBeUndefined();
    expect(byName('lru_counts')).toMatchObject({ type: MapType.LRU_PERCPU_HASH, keySize: 8, valueSize: 4 });
  });

  it('rounds a ring buffer up to a power-of-two number of pages and leaves perf arrays at 0 entries', () => {
    expect(byName('events')).toMatchObject({
      type: MapType.RINGBUF,
      maxEntries: 16384,
      keySize: 0,
      valueSize: 0,
    });
    expect(byName('perf_events')).toMatchObject({ type: MapType.PERF_EVENT_ARRAY, maxEntries: 0 });
  });

  it('reads the inner map template of map-in-map, named <outer>.inner', () => {
    const outer = byName('outer_array');
    expect(outer).toMatchObject({ type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(outer.innerMap).toMatchObject({
      name: 'outer_array.inner',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      pinning: { kind: 'none' },
    });
    expect(outer.innerMap!.source.btfTypeId).toBe(byName('inner_a').source.btfTypeId);
    expect(outer.innerMap!.source.btfVarId).toBeUndefined();
    expect(byName('outer_anon').innerMap).toMatchObject({
      name: 'outer_anon.inner',
      valueSize: 16,
      maxEntries: 1,
    });
    expect(byName('outer_hash').innerMap).toMatchObject({ type: MapType.HASH, maxEntries: 2 });
  });

  it('fills initial slots from the relocations of .maps', () => {
    expect(byName('outer_array').contents).toEqual([
      { key: u32le(0), ref: { kind: 'map', name: 'inner_a' } },
      { key: u32le(3), ref: { kind: 'map', name: 'inner_b' } },
    ]);
    expect(byName('outer_hash').contents).toEqual([{ key: u32le(1), ref: { kind: 'map', name: 'inner_h' } }]);
    expect(byName('jump_table')).toMatchObject({ type: MapType.PROG_ARRAY, valueSize: 4 });
    expect(byName('jump_table').contents).toEqual([
      { key: u32le(0), ref: { kind: 'program', name: 'prog_a' } },
      { key: u32le(2), ref: { kind: 'program', name: 'prog_b' } },
    ]);
    expect(byName('outer_anon').contents).toBeUndefined();
  });

  it('records where each definition lives: section, offset, definition struct and VAR', () => {
    const btf = context.artifacts.get(ObjectBtfArtifact)!;
    const mapsSection = section(file, '.maps');
    for (const map of maps) {
      expect(map.source).toMatchObject({ format: 'btf', section: '.maps', sectionIndex: mapsSection.index });
      expect(btf.kindOf(map.source.btfTypeId!)).toBe('STRUCT');
      expect(btf.typeName(map.source.btfVarId!)).toBe(map.name);
      const symbol = file.symbols.find((s) => s.name === map.name)!;
      expect(map.source.offset).toBe(Number(symbol.value));
    }
  });
});

describe('btfMapCollector', () => {
  it('reads both byte orders to the same specs', () => {
    expect(collect('btf_maps.bpfeb.o').maps.map(shape)).toEqual(collect('btf_maps.bpfel.o').maps.map(shape));
  });

  it('leaves the fixed-up object BTF in the artifacts for later stages', () => {
    const { context } = collect('btf_maps.bpfel.o');
    const btf = context.artifacts.get(ObjectBtfArtifact)!;
    const datasec = btf.typeById(btf.findOne('.maps', 'DATASEC'));
    expect(datasec.kind === 'DATASEC' && datasec.size).toBeGreaterThan(0);
  });

  it('refuses a definition member libbpf does not know', () => {
    const run = () => collect('btf_maps_custom_field.bpfel.o');
    expect(run).toThrow(MapDefinitionError);
    expect(run).toThrow(/map 'tagged': unknown field 'tc_class'/);
  });

  it('ignores unknown members with relaxedMaps, with a warning and the struct id for plugins', () => {
    const { maps, context } = collect('btf_maps_custom_field.bpfel.o', { relaxedMaps: true });
    expect(maps).toHaveLength(1);
    expect(maps[0]).toMatchObject({
      name: 'tagged',
      type: MapType.HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 64,
    });
    expect(context.events.list).toEqual([
      expect.objectContaining({
        type: 'warning',
        message: "map 'tagged': ignoring unknown field 'tc_class'",
        location: expect.objectContaining({
          map: 'tagged',
          field: 'tc_class',
          typeId: maps[0]!.source.btfTypeId,
        }),
      }),
    ]);
  });

  it('claims only the .maps section', () => {
    const file = loadFixture('btf_maps.bpfel.o');
    const claimed = file.sections.filter((s) => btfMapCollector.claims(s, file, openContext()));
    expect(claimed.map((s) => s.name)).toEqual(['.maps']);
  });
});
