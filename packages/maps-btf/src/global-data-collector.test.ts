import { ObjectBtfArtifact } from '@bpfkit/btf';
import { MapFlag, type MapSpec, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { globalDataCollector, isGlobalDataSection, readGlobalData } from './global-data-collector.js';
import { loadFixture, openContext, section } from './test-support/fixtures.js';

function collect(name: string) {
  const file = loadFixture(name);
  const context = openContext();
  const sections = file.sections.filter((s) => globalDataCollector.claims(s, file, context));
  const maps = globalDataCollector.collect(file, sections, context);
  return { file, context, maps, byName: (n: string) => maps.find((m) => m.name === n)! };
}

describe.each(['bpfel', 'bpfeb'])('globalDataCollector on global_data.%s.o', (order) => {
  const { file, context, maps, byName } = collect(`global_data.${order}.o`);

  it('makes one map per data section, named after the section', () => {
    expect(maps.map((m) => m.name)).toEqual(['.rodata', '.data', '.data.custom', '.rodata.str1.1', '.bss']);
  });

  it('makes each a single-entry array whose value is the whole section', () => {
    for (const map of maps) {
      const elf = section(file, map.name);
      expect(map).toMatchObject({ type: MapType.ARRAY, keySize: 4, valueSize: elf.size, maxEntries: 1 });
      expect(map.source).toEqual(
        expect.objectContaining({
          format: 'global-data',
          section: map.name,
          sectionIndex: elf.index,
          offset: 0,
        }),
      );
      expect(map.pinning).toEqual({ kind: 'none' });
    }
  });

  it('copies the section bytes as initial data, and gives .bss none', () => {
    const data = byName('.data');
    expect(data.initialData).toEqual(new Uint8Array(file.sectionData(section(file, '.data').index)));
    const original = file.sectionData(section(file, '.data').index)[0]!;
    data.initialData![0] = original ^ 0x5a;
    expect(file.sectionData(section(file, '.data').index)[0]).toBe(original);
    expect(byName('.bss').initialData).toBeUndefined();
    expect(new TextDecoder().decode(byName('.rodata.str1.1').initialData)).toBe('packet of length %d\n\0');
  });

  it('makes .rodata sections read-only for programs and frozen, and the others writable', () => {
    for (const map of maps) {
      const readOnly = map.name.startsWith('.rodata');
      expect(map.flags & MapFlag.RDONLY_PROG).toBe(readOnly ? MapFlag.RDONLY_PROG : 0);
      expect(map.freeze).toBe(readOnly ? true : undefined);
    }
  });

  it('gives the DATASEC as value type and sets MMAPABLE when it has a global variable', () => {
    const btf = context.artifacts.get(ObjectBtfArtifact)!;
    for (const map of maps.filter((m) => m.name !== '.rodata.str1.1')) {
      expect(map.btfKeyTypeId).toBe(0);
      expect(btf.typeName(map.btfValueTypeId!)).toBe(map.name);
      expect(btf.kindOf(map.btfValueTypeId!)).toBe('DATASEC');
      expect(map.flags & MapFlag.MMAPABLE).toBe(MapFlag.MMAPABLE);
    }
    // string literals have no DATASEC: no BTF ids and, as in libbpf, no mmap
    const strings = byName('.rodata.str1.1');
    expect(strings.btfValueTypeId).toBeUndefined();
    expect(strings.flags).toBe(MapFlag.RDONLY_PROG);
  });
});

describe('globalDataCollector', () => {
  it('claims data sections only: not code, BTF, license or .maps', () => {
    const file = loadFixture('btf_maps.bpfel.o');
    expect(file.sections.filter(isGlobalDataSection).map((s) => s.name)).toEqual([]);
    const data = loadFixture('global_data.bpfel.o');
    expect(data.sections.filter(isGlobalDataSection).map((s) => s.name)).toEqual([
      '.rodata',
      '.data',
      '.data.custom',
      '.rodata.str1.1',
      '.bss',
    ]);
  });

  it('makes no map of an empty section and needs no BTF', () => {
    const file = loadFixture('global_data.bpfel.o');
    const data = section(file, '.data');
    expect(readGlobalData(file, { ...data, size: 0 })).toBeUndefined();
    const plain = readGlobalData(file, data) as MapSpec;
    expect(plain.btfValueTypeId).toBeUndefined();
    expect(plain.flags).toBe(0);
  });

  it('reads both byte orders to the same maps apart from the bytes of multi-byte values', () => {
    const strip = (m: MapSpec) => ({
      ...m,
      initialData: m.initialData?.length,
      source: { ...m.source, sectionIndex: 0 },
    });
    expect(collect('global_data.bpfeb.o').maps.map(strip)).toEqual(
      collect('global_data.bpfel.o').maps.map(strip),
    );
  });
});
