import { basename } from 'node:path';
import { ElfError, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { fixtureFiles, load, syntheticObject, xdpToolsObjects } from './fixtures.test-helpers.js';
import { readElf } from './index.js';

describe('ElfFile.symbolFields', () => {
  for (const path of [...fixtureFiles(), ...xdpToolsObjects()]) {
    it(`${basename(path)}: answers each field as the symbol it makes, and makes each symbol once`, () => {
      const file = readElf(load(path), basename(path));
      const fields = file.symbolFields;
      // asked field by field first, so the symbols below are the ones the fields made
      const asked = Array.from({ length: fields.count }, (_, index) => fields.symbol(index));
      expect(file.symbols).toHaveLength(fields.count);
      file.symbols.forEach((symbol, index) => {
        expect(symbol).toBe(asked[index]);
        expect(symbol.index).toBe(index);
        expect([
          fields.type(index),
          fields.bind(index),
          fields.visibility(index),
          fields.sectionIndex(index),
        ]).toEqual([symbol.type, symbol.bind, symbol.visibility, symbol.sectionIndex]);
      });
      // ofType: every symbol under its own type exactly once, ascending, and the same list on a second ask
      expect(fields.ofType).toBeTypeOf('function');
      const ofType = (type: number) => fields.ofType!(type);
      const byType = Array.from({ length: 16 }, (_, type) => ofType(type));
      for (const [type, indices] of byType.entries()) {
        expect(indices).toEqual(
          file.symbols.filter((symbol) => symbol.type === type).map((symbol) => symbol.index),
        );
      }
      expect(byType.flat().length).toBe(fields.count);
      expect(ofType(2)).toBe(byType[2]);
      expect(ofType(99)).toEqual([]);
    });
  }

  for (const little of [true, false]) {
    const order = little ? 'LE' : 'BE';

    it(`${order}: takes an SHN_XINDEX symbol's section from SHT_SYMTAB_SHNDX, field by field too`, () => {
      const file = readElf(syntheticObject(little, { extendedNumbering: true, shndx: [0, 0, 0, 2, 0] }));
      expect(file.symbolFields.sectionIndex(3)).toBe(2);
      expect(file.symbolFields.symbol(3)).toMatchObject({ name: 'counter', sectionIndex: 2 });
    });

    it(`${order}: a string table without its final NUL has every name checked when the file is read`, () => {
      const bytes = syntheticObject(little);
      const strtab = readElf(bytes).sectionByName('.strtab')!;
      // the NUL after "other", the last name, becomes a letter: symbol 4's name runs off the table
      bytes[strtab.offset + strtab.size - 1] = 0x78;
      let error: unknown;
      try {
        readElf(bytes, 'unterminated.o');
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ElfError);
      expect((error as ElfError).message).toMatch(
        /^unterminated string: st_name 0x[0-9a-f]+ runs to the end/,
      );
      expect((error as ElfError).location).toMatchObject({ symbol: '#4', field: 'st_name' });
    });
  }

  it('refuses an index outside the table, naming the table size', () => {
    const fields = readElf(syntheticObject(true)).symbolFields;
    for (const index of [-1, 5, 1.5]) {
      expect(() => fields.type(index)).toThrow(UsageError);
      expect(() => fields.symbol(index)).toThrow(`symbol index ${index} is outside the table of 5 symbols`);
    }
  });

  it('is empty for an object without a symbol table', () => {
    const bytes = syntheticObject(true);
    const file = readElf(bytes);
    // SHT_SYMTAB, and the SHT_RELA that links to it, become SHT_PROGBITS: no symbol table is left
    for (const index of [file.symbolTableIndex!, file.sectionByName('.rela.xdp')!.index]) {
      const header = file.sectionHeader(index);
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(header.headerOffset + 4, 1, true);
    }
    const bare = readElf(bytes);
    expect(bare.symbolTableIndex).toBeUndefined();
    expect(bare.symbolFields.count).toBe(0);
    expect(bare.symbols).toEqual([]);
  });
});
