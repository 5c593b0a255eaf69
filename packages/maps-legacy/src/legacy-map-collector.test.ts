import { readFileSync } from 'node:fs';
import { MapDefinitionError, MapType, type ObjectFileView } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { readLegacyMaps } from './legacy-map-collector.js';

const fixture = (name: string) =>
  readElf(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url)), name);

function mapsOf(name: string) {
  const file = fixture(name);
  const section = file.sections.find((s) => s.name === 'maps')!;
  return readLegacyMaps(file, section);
}

describe('readLegacyMaps', () => {
  it('reads the five fields of each struct bpf_map_def, named by its symbol', () => {
    const maps = mapsOf('legacy_xdp.bpfel.o');
    expect(maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags])).toEqual([
      ['blocked_ports', MapType.HASH, 2, 1, 64, 0],
      ['verdicts', MapType.PERCPU_ARRAY, 4, 8, 4, 0],
    ]);
    expect(maps[1]!.source).toMatchObject({ format: 'legacy', section: 'maps', offset: 20 });
  });

  it('reads big-endian objects to the same specs', () => {
    const strip = (name: string) =>
      mapsOf(name).map(({ source, ...rest }) => ({ ...rest, offset: source.offset }));
    expect(strip('legacy_sockfilter.bpfeb.o')).toEqual(strip('legacy_sockfilter.bpfel.o'));
  });

  it('keeps bytes past the known fields as extra, for plugins', () => {
    const file = fixture('legacy_xdp.bpfel.o');
    const section = file.sections.find((s) => s.name === 'maps')!;
    // Pretend the section holds one 40-byte definition: the second symbol is dropped from view.
    const oneSymbol: ObjectFileView = {
      ...file,
      symbols: file.symbols.filter((s) => s.name !== 'verdicts'),
      sectionData: file.sectionData.bind(file),
      relocationsFor: file.relocationsFor.bind(file),
    };
    const [map] = readLegacyMaps(oneSymbol, { ...section }, 'x');
    expect(map!.extra).toEqual(file.sectionData(section.index).slice(20, 40));
  });

  it('refuses a section whose size is no multiple of the map count', () => {
    const file = fixture('legacy_xdp.bpfel.o');
    const section = file.sections.find((s) => s.name === 'maps')!;
    expect(() => readLegacyMaps(file, { ...section, size: 41 })).toThrow(MapDefinitionError);
  });
});
