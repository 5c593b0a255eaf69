import { MapDefinitionError, MapType, type ObjectFileView } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { ELF_MAP_DEF_SIZE, NO_INNER_INDEX, readElfMapDefinitions } from './elf-map-definition.js';
import { iproute2MapSymbols } from './map-symbols.js';
import { fixtureFile } from './testing/fixtures.test-helpers.js';

function mapsSection(file: ObjectFileView) {
  return file.sections.find((s) => s.name === 'maps')!;
}

/** The same file with its symbols edited (to fake objects no compiler writes). */
function withSymbols(
  file: ObjectFileView,
  edit: (symbols: ObjectFileView['symbols']) => ObjectFileView['symbols'],
): ObjectFileView {
  return {
    name: file.name,
    byteOrder: file.byteOrder,
    sections: file.sections,
    symbols: edit(file.symbols),
    relocationsFor: file.relocationsFor.bind(file),
    sectionData: file.sectionData.bind(file),
  };
}

describe('readElfMapDefinitions', () => {
  it('reads the nine u32 of each struct bpf_elf_map, named by its symbol', () => {
    const file = fixtureFile('iproute2_tc.bpfel.o');
    const defs = readElfMapDefinitions(file, mapsSection(file));
    expect(
      defs.map((d) => [
        d.name,
        d.offset,
        d.type,
        d.keySize,
        d.valueSize,
        d.maxEntries,
        d.id,
        d.pinning,
        d.innerId,
        d.innerIndex,
      ]),
    ).toEqual([
      ['jmp_table', 0, MapType.PROG_ARRAY, 4, 4, 2, 1, 2, 0, NO_INNER_INDEX],
      ['tail_hits', 36, MapType.ARRAY, 4, 8, 2, 0, 2, 0, NO_INNER_INDEX],
      ['inner_hits', 72, MapType.ARRAY, 4, 8, 1, 2, 2, 0, 0],
      ['outer_maps', 108, MapType.ARRAY_OF_MAPS, 4, 4, 1, 0, 2, 2, NO_INNER_INDEX],
    ]);
  });

  it('reads a big-endian object to the same definitions', () => {
    const little = fixtureFile('iproute2_tc.bpfel.o');
    const big = fixtureFile('iproute2_tc.bpfeb.o');
    expect(big.byteOrder).toBe('big');
    expect(readElfMapDefinitions(big, mapsSection(big))).toEqual(
      readElfMapDefinitions(little, mapsSection(little)),
    );
  });

  it('zero-extends definitions shorter than 36 bytes, as iproute2 fixes them up', () => {
    // libbpf 0.x's struct bpf_map_def: five u32, so id, pinning and the inner fields read as 0.
    const file = fixtureFile('legacy_xdp.bpfel.o', true);
    const defs = readElfMapDefinitions(file, mapsSection(file));
    expect(
      defs.map((d) => [
        d.name,
        d.offset,
        d.type,
        d.keySize,
        d.valueSize,
        d.maxEntries,
        d.flags,
        d.id,
        d.pinning,
        d.innerId,
        d.innerIndex,
      ]),
    ).toEqual([
      ['blocked_ports', 0, MapType.HASH, 2, 1, 64, 0, 0, 0, 0, 0],
      ['verdicts', 20, MapType.PERCPU_ARRAY, 4, 8, 4, 0, 0, 0, 0, 0],
    ]);
  });

  it('refuses definitions longer than struct bpf_elf_map', () => {
    const file = fixtureFile('iproute2_tc.bpfel.o');
    // Three symbols in 144 bytes: 48-byte definitions, "coming from a future version".
    const fewer = withSymbols(file, (symbols) => symbols.filter((s) => s.name !== 'outer_maps'));
    expect(() => readElfMapDefinitions(fewer, mapsSection(fewer))).toThrow(/48 bytes is longer than the 36/);
  });

  it('refuses definitions too short to hold type, key, value and max_elem', () => {
    const file = fixtureFile('legacy_xdp.bpfel.o', true);
    const section = { ...mapsSection(file), size: 24 };
    const error = (() => {
      try {
        readElfMapDefinitions(file, section);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MapDefinitionError);
    expect((error as MapDefinitionError).message).toMatch(/12 bytes is shorter/);
    expect((error as MapDefinitionError).location).toMatchObject({ section: 'maps' });
  });

  it('refuses a definition slot that no symbol names', () => {
    const file = fixtureFile('iproute2_tc.bpfel.o');
    const moved = withSymbols(file, (symbols) =>
      symbols.map((s) => (s.name === 'tail_hits' ? { ...s, value: 40n } : s)),
    );
    expect(() => readElfMapDefinitions(moved, mapsSection(moved))).toThrow(/no map symbol at offset 36/);
  });

  it('counts only global symbols, as iproute2 does', () => {
    const file = fixtureFile('iproute2_tc.bpfel.o');
    const local = withSymbols(file, (symbols) =>
      symbols.map((s) => (s.name === 'outer_maps' ? { ...s, bind: 0 } : s)),
    );
    expect(iproute2MapSymbols(local, mapsSection(local).index).map((s) => s.name)).toEqual([
      'jmp_table',
      'tail_hits',
      'inner_hits',
    ]);
    expect(mapsSection(file).size / iproute2MapSymbols(file, mapsSection(file).index).length).toBe(
      ELF_MAP_DEF_SIZE,
    );
  });
});
