import { basename } from 'node:path';
import {
  ElfError,
  SHF_EXECINSTR,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_STRTAB,
  SHT_SYMTAB,
  STT_FUNC,
  STT_SECTION,
} from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import {
  buildElf,
  fixtureFiles,
  fixtureTwins,
  hasReadelf,
  load,
  READELF,
  readelfJson,
  syntheticObject,
  xdpToolsObjects,
} from './fixtures.test-helpers.js';
import { type ElfFile, exerciseElf, readElf } from './index.js';

const twins = fixtureTwins();

function thrownBy(action: () => unknown): ElfError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ElfError);
    return error as ElfError;
  }
  throw new Error('expected an ElfError');
}
const noReadelf = `${READELF} is not installed: cannot compare with llvm-readelf`;

/** Everything about a file that llvm-readelf also shows, compared field by field. */
function expectMatchesReadelf(file: ElfFile, path: string): void {
  const oracle = readelfJson(path);
  expect(file.sections.map((s) => s.index)).toEqual(oracle.Sections.map((s) => s.Section.Index));
  for (const { Section: want } of oracle.Sections) {
    const section = file.sections[want.Index]!;
    const raw = file.sectionHeader(want.Index);
    expect({
      name: section.name,
      type: section.type,
      flags: section.flags,
      offset: section.offset,
      size: section.size,
      addr: raw.addr,
      link: raw.link,
      info: raw.info,
      addralign: raw.addralign,
      entsize: raw.entsize,
    }).toEqual({
      name: want.Name.Name,
      type: want.Type.Value,
      flags: BigInt(want.Flags.Value),
      offset: want.Offset,
      size: want.Size,
      addr: BigInt(want.Address),
      link: want.Link,
      info: want.Info,
      addralign: BigInt(want.AddressAlignment),
      entsize: BigInt(want.EntrySize),
    });
  }
  const symbols = oracle.Symbols ?? [];
  expect(file.symbols).toHaveLength(symbols.length);
  symbols.forEach(({ Symbol: want }, index) => {
    const symbol = file.symbols[index]!;
    expect({ ...symbol }).toEqual({
      index,
      name: want.Name.Name,
      value: BigInt(want.Value),
      size: BigInt(want.Size),
      type: want.Type.Value,
      bind: want.Binding.Value,
      visibility: want.Other.Value & 3,
      sectionIndex: want.Section.Value,
    });
  });
  // llvm-readelf lists relocations per REL section; ours are per target section (its sh_info).
  const expected = new Map<number, object[]>();
  for (const group of oracle.Relocations ?? []) {
    const target = file.sectionHeader(group.SectionIndex).info;
    const list = expected.get(target) ?? [];
    for (const { Relocation: r } of group.Relocs) {
      list.push({
        offset: BigInt(r.Offset),
        symbolIndex: r.Symbol.Value,
        type: r.Type.Value,
        addend: BigInt(r.Addend ?? 0),
      });
    }
    expected.set(target, list);
  }
  let total = 0;
  for (const section of file.sections) {
    const relocations = file.relocationsFor(section.index);
    total += relocations.length;
    expect(relocations.map((r) => ({ ...r }))).toEqual(expected.get(section.index) ?? []);
  }
  expect(total).toBe([...expected.values()].reduce((n, list) => n + list.length, 0));
}

describe('clang fixtures', () => {
  it('finds little- and big-endian twins to read', () => {
    expect(twins.length).toBeGreaterThanOrEqual(2);
  });

  for (const path of fixtureFiles()) {
    it.skipIf(!hasReadelf)(
      `${basename(path)} reads as llvm-readelf shows it ${hasReadelf ? '' : `(skipped: ${noReadelf})`}`,
      () => {
        const file = readElf(load(path), basename(path));
        expectMatchesReadelf(file, path);
      },
    );
  }

  for (const twin of twins) {
    it(`${twin.name}: the LE and BE twins agree on sections, symbols and program relocations`, () => {
      const little = readElf(load(twin.little));
      const big = readElf(load(twin.big));
      expect(little.byteOrder).toBe('little');
      expect(big.byteOrder).toBe('big');
      expect(little.header.data).toBe(1);
      expect(big.header.data).toBe(2);
      const shape = (file: ElfFile) =>
        file.sections.map((s) => {
          const h = file.sectionHeader(s.index);
          return {
            name: s.name,
            type: s.type,
            flags: s.flags,
            link: h.link,
            info: h.info,
            entsize: h.entsize,
          };
        });
      expect(shape(big)).toEqual(shape(little));
      // clang may generate different code per byte order (usdt.bpf.h has a big-endian-only shift), so
      // function sizes can differ, and with them where later functions start; the rest cannot.
      const symbols = (file: ElfFile) =>
        file.symbols.map(({ size: _size, value, ...rest }) =>
          rest.type === STT_FUNC ? rest : { ...rest, value },
        );
      expect(symbols(big)).toEqual(symbols(little));
      let programRelocations = 0;
      for (const section of little.sections) {
        if ((section.flags & SHF_EXECINSTR) === 0n) continue;
        // Which symbols are relocated, and how, is the same; where can move when the code differs.
        const kinds = (file: ElfFile) =>
          file.relocationsFor(section.index).map(({ offset: _offset, ...rest }) => rest);
        expect(kinds(big)).toEqual(kinds(little));
        programRelocations += little.relocationsFor(section.index).length;
      }
      expect(programRelocations).toBeGreaterThan(0);
    });
  }

  it('legacy_sockfilter twins are equal in every section, symbol and relocation', () => {
    const twin = twins.find((t) => t.name === 'legacy_sockfilter')!;
    const little = readElf(load(twin.little));
    const big = readElf(load(twin.big));
    expect(big.sections).toEqual(little.sections);
    expect(big.symbols).toEqual(little.symbols);
    for (const s of little.sections)
      expect(big.relocationsFor(s.index)).toEqual(little.relocationsFor(s.index));
  });

  it('reads the xdp fixture: header, names, symbols by section, strings', () => {
    const bytes = load(twins.find((t) => t.name === 'legacy_xdp')!.little);
    const file = readElf(bytes, 'legacy_xdp.bpfel.o');
    expect(file.name).toBe('legacy_xdp.bpfel.o');
    expect(file.header).toMatchObject({
      class: 2,
      data: 1,
      machine: 247,
      type: 1,
      shentsize: 64,
      shnum: 28,
      version: 1,
    });
    const xdp = file.sectionByName('xdp')!;
    expect(xdp.type).toBe(SHT_PROGBITS);
    expect(file.sectionByName('no such section')).toBeUndefined();
    expect(file.symbolsInSection(xdp.index).map((s) => s.name)).toEqual(['xdp', 'drop_blocked_udp']);
    expect(file.symbolsInSection(file.sectionByName('maps')!.index).map((s) => s.name)).toEqual([
      'blocked_ports',
      'verdicts',
    ]);
    const sectionSymbol = file.symbols.find((s) => s.type === STT_SECTION && s.sectionIndex === xdp.index)!;
    expect(sectionSymbol.name).toBe('xdp');
    const symtab = file.sections[file.symbolTableIndex!]!;
    expect(symtab.type).toBe(SHT_SYMTAB);
    const strtabIndex = file.sectionHeader(symtab.index).link;
    expect(file.sections[strtabIndex]!.type).toBe(SHT_STRTAB);
    const license = file.symbols.find((s) => s.name === '_license')!;
    expect(file.stringAt(file.header.shstrndx, 0)).toBe('');
    expect(new TextDecoder().decode(file.sectionData(license.sectionIndex))).toBe('GPL\0');
    const relocations = file.relocationsFor(xdp.index);
    expect(relocations.map((r) => file.symbols[r.symbolIndex]!.name)).toEqual([
      '.text',
      'blocked_ports',
      'verdicts',
    ]);
    expect(file.relocationsFor(xdp.index)).toBe(relocations); // cached
    expect(file.relocationsFor(file.sectionByName('maps')!.index)).toEqual([]);
  });

  it('returns section data as views into the input, not copies', () => {
    const bytes = load(twins[0]!.little);
    const file = readElf(bytes);
    // NOBITS sections (.bss) have no bytes in the file: they come back as fresh zeros.
    for (const section of file.sections.filter((s) => s.type !== 8 /* SHT_NOBITS */)) {
      const data = file.sectionData(section.index);
      expect(data.buffer).toBe(bytes.buffer);
      expect(data.byteOffset).toBe(bytes.byteOffset + section.offset);
      expect(data.length).toBe(section.size);
    }
  });

  it('reads an object that sits at a non-zero offset of a larger buffer', () => {
    const original = load(twins[0]!.big);
    const host = new Uint8Array(original.length + 13);
    host.set(original, 7);
    const file = readElf(host.subarray(7, 7 + original.length));
    expect(exerciseElf(file)).toEqual(exerciseElf(readElf(original)));
  });

  it('exerciseElf touches every section, symbol, relocation and string', () => {
    const file = readElf(load(twins.find((t) => t.name === 'legacy_xdp')!.little));
    const summary = exerciseElf(file);
    expect(summary.sections).toBe(28);
    expect(summary.symbols).toBe(18);
    // 3 + 6 + 100 + 6 + 3 + 27 + 4 + 17, as llvm-readelf counts them
    expect(summary.relocations).toBe(166);
    expect(summary.strings).toBeGreaterThan(20);
  });
});

describe.skipIf(xdpToolsObjects().length === 0 || !hasReadelf)(
  `xdp-tools prebuilt objects ${xdpToolsObjects().length === 0 ? '(skipped: xdp-tools objects not installed)' : hasReadelf ? '' : `(skipped: ${noReadelf})`}`,
  () => {
    for (const path of xdpToolsObjects()) {
      it(`${basename(path)} reads as llvm-readelf shows it`, () => {
        const file = readElf(load(path), basename(path));
        expectMatchesReadelf(file, path);
        exerciseElf(file);
      });
    }
  },
);

describe('layouts the fixtures lack', () => {
  for (const little of [true, false]) {
    const order = little ? 'LE' : 'BE';
    const build = (extendedNumbering = false, shndx?: number[]) =>
      syntheticObject(little, shndx ? { extendedNumbering, shndx } : { extendedNumbering });

    it(`${order}: takes the section index of an SHN_XINDEX symbol from SHT_SYMTAB_SHNDX`, () => {
      const file = readElf(build(true, [0, 0, 0, 2, 0]));
      expect(file.symbols[3]).toMatchObject({ name: 'counter', sectionIndex: 2 });
      expect(file.symbolsInSection(2).map((s) => s.name)).toEqual(['counter']);
      const bad = thrownBy(() => readElf(build(true, [0, 0, 0, 99, 0])));
      expect(bad.message).toBe(
        'SHT_SYMTAB_SHNDX entry 99 of symbol 3 is out of range: the file has 8 sections',
      );
      expect(bad.location.field).toBe('SHT_SYMTAB_SHNDX entry');
      expect(() => readElf(build(true, [0, 0, 0, 2]))).toThrow(
        /SHT_SYMTAB_SHNDX section has 16 bytes, expected 4 for each of the 5 symbols/,
      );
    });

    it(`${order}: reads SHT_RELA with signed 64-bit addends`, () => {
      const file = readElf(build());
      expect(file.relocationsFor(1)).toEqual([
        { offset: 0n, symbolIndex: 3, type: 1, addend: -8n },
        { offset: 16n, symbolIndex: 1, type: 10, addend: 0x1_0000_0000n },
      ]);
    });

    it(`${order}: gives zeros for SHT_NOBITS and names symbols, visibility included`, () => {
      const file = readElf(build());
      const bss = file.sectionByName('.bss')!;
      expect(bss.size).toBe(4096);
      const zeros = file.sectionData(bss.index);
      expect(zeros.length).toBe(4096);
      expect(zeros.every((b) => b === 0)).toBe(true);
      expect(file.symbols.map((s) => [s.name, s.bind, s.type, s.visibility, s.sectionIndex])).toEqual([
        ['', 0, 0, 0, 0],
        ['xdp', 0, STT_SECTION, 0, 1],
        ['prog', 1, 2, 0, 1],
        ['counter', 1, 1, 2, 2],
        ['other', 1, 0, 0, 0xfff1],
      ]);
      expect(file.symbolsInSection(0xfff1).map((s) => s.name)).toEqual(['other']);
    });

    it(`${order}: follows extended section numbering (e_shnum 0, e_shstrndx SHN_XINDEX)`, () => {
      const file = readElf(build(true));
      expect(file.header.shnum).toBe(0);
      expect(file.header.shstrndx).toBe(0xffff);
      expect(file.sections.map((s) => s.name)).toEqual([
        '',
        'xdp',
        '.bss',
        '.strtab',
        '.symtab',
        '.rela.xdp',
        '.shstrtab',
      ]);
      expect(exerciseElf(file).relocations).toBe(2);
    });
  }

  it('refuses to allocate a NOBITS section over 1 GiB, with an ElfError at sectionData', () => {
    const bytes = buildElf([{ name: '.bss', type: SHT_NOBITS, flags: 3n, size: 1n << 40n }], true);
    const file = readElf(bytes);
    expect(file.sections[1]!.size).toBe(2 ** 40);
    expect(() => file.sectionData(1)).toThrow(ElfError);
    expect(() => file.sectionData(1)).toThrow(/NOBITS section of 0x10000000000 bytes/);
  });

  it('reads a file with no section header table as having no sections', () => {
    const bytes = buildElf([], true);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(40, 0n, true);
    view.setUint16(60, 0, true);
    view.setUint16(62, 0, true);
    const file = readElf(bytes);
    expect(file.sections).toEqual([]);
    expect(file.symbols).toEqual([]);
    expect(file.symbolTableIndex).toBeUndefined();
  });

  it('rejects section indices the file does not have, with ElfError', () => {
    const file = readElf(buildElf([], false));
    for (const bad of [-1, 2, 0xfff1, 1.5, Number.NaN]) {
      expect(() => file.sectionData(bad)).toThrow(ElfError);
      expect(() => file.relocationsFor(bad)).toThrow(ElfError);
      expect(() => file.sectionHeader(bad)).toThrow(ElfError);
      expect(() => file.stringAt(bad, 0)).toThrow(ElfError);
    }
    expect(file.symbolsInSection(5)).toEqual([]);
    expect(() => file.stringAt(0, 0)).toThrow(/not SHT_STRTAB/);
    expect(() => file.stringAt(1, 1000)).toThrow(/past the end of string table/);
  });
});
