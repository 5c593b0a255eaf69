import { type BpfkitError, ElfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { fixtureTwins, load, patch } from './fixtures.test-helpers.js';
import { type ElfFile, readElf } from './index.js';

function thrown(action: () => unknown): BpfkitError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ElfError);
    return error as ElfError;
  }
  throw new Error('expected an ElfError, nothing was thrown');
}

for (const little of [true, false]) {
  const twin = fixtureTwins().find((t) => t.name === 'legacy_xdp')!;
  const path = little ? twin.little : twin.big;
  const original = load(path);
  const file = readElf(original, 'xdp.o');
  const shoff = Number(file.header.shoff);
  const headerOf = (f: ElfFile, name: string) => shoff + f.sectionByName(name)!.index * 64;
  const set = (offset: number, size: 1 | 2 | 4 | 8, value: bigint) =>
    patch(original, offset, size, value, little);
  const fails = (bytes: Uint8Array) => thrown(() => readElf(bytes, 'xdp.o'));

  describe(`error messages name the field and byte offset (${little ? 'LE' : 'BE'})`, () => {
    it('wrong magic', () => {
      const error = fails(set(1, 1, 0x58n));
      expect(error.message).toMatch(/not an ELF file/);
      expect(error.location).toEqual({ object: 'xdp.o', field: 'e_ident[EI_MAG]', byteOffset: 1 });
      expect(error.hint).toMatch(/clang -target bpf/);
      expect(error.describe()).toBe(
        `xdp.o, field e_ident[EI_MAG], offset 0x1: ${error.message}\n  hint: ${error.hint}`,
      );
    });

    it('ELFCLASS32 says not 64-bit', () => {
      const error = fails(set(4, 1, 1n));
      expect(error.message).toMatch(/not 64-bit/);
      expect(error.location).toMatchObject({ field: 'e_ident[EI_CLASS]', byteOffset: 4 });
    });

    it('bad EI_DATA', () => {
      const error = fails(set(5, 1, 3n));
      expect(error.message).toMatch(/EI_DATA is 3/);
      expect(error.location).toMatchObject({ field: 'e_ident[EI_DATA]', byteOffset: 5 });
    });

    it('e_machine names the machine number found', () => {
      const error = fails(set(18, 2, 62n));
      expect(error.message).toBe('e_machine is 62, not EM_BPF (247)');
      expect(error.location).toMatchObject({ field: 'e_machine', byteOffset: 18 });
    });

    it('e_shentsize other than 64', () => {
      expect(fails(set(58, 2, 40n)).location).toMatchObject({ field: 'e_shentsize', byteOffset: 58 });
    });

    it('section header table outside the file', () => {
      const error = fails(set(40, 8, 0xffff_ffff_ffff_fff0n));
      expect(error.message).toMatch(/section header table at 0xfffffffffffffff0 is outside the file/);
      expect(error.location).toMatchObject({ field: 'e_shoff', byteOffset: 40 });
      expect(fails(set(60, 2, 29n)).location).toMatchObject({ field: 'e_shnum', byteOffset: 60 });
    });

    it('e_shstrndx out of range', () => {
      const error = fails(set(62, 2, 28n));
      expect(error.message).toBe('e_shstrndx 28 is out of range: the file has 28 sections');
      expect(error.location).toMatchObject({ field: 'e_shstrndx', byteOffset: 62 });
    });

    it('section data outside the file, named by section', () => {
      const at = headerOf(file, 'xdp');
      const error = fails(set(at + 24, 8, 0xffff_ffff_ffff_ff00n));
      expect(error.location).toEqual({
        object: 'xdp.o',
        section: 'xdp',
        field: 'sh_offset',
        byteOffset: at + 24,
      });
      // offset + size overflowing 64 bits must not wrap around into the file
      const sized = fails(set(at + 32, 8, 0xffff_ffff_ffff_ffffn));
      expect(sized.location).toMatchObject({ section: 'xdp', field: 'sh_size', byteOffset: at + 32 });
      expect(sized.describe()).toContain(`section xdp, field sh_size, offset 0x${(at + 32).toString(16)}`);
    });

    it('sh_link and sh_info out of range', () => {
      const rel = headerOf(file, '.relxdp');
      expect(fails(set(rel + 40, 4, 28n)).location).toMatchObject({
        section: '.relxdp',
        field: 'sh_link',
        byteOffset: rel + 40,
      });
      expect(fails(set(rel + 44, 4, 1000n)).location).toMatchObject({
        section: '.relxdp',
        field: 'sh_info',
        byteOffset: rel + 44,
      });
    });

    it('section name index past the string table', () => {
      const at = headerOf(file, 'maps');
      const error = fails(set(at, 4, 0x10000n));
      expect(error.message).toMatch(/sh_name 0x10000 is past the end of string table/);
      expect(error.location).toMatchObject({ field: 'sh_name', byteOffset: at });
    });

    it('unterminated string at the end of a string table', () => {
      // Overwrite the NUL that ends .strtab: its last string (and any name sharing its tail) runs off the end.
      const strtab = file.sectionByName('.strtab')!;
      const error = fails(set(strtab.offset + strtab.size - 1, 1, 0x78n));
      expect(error.message).toMatch(
        /^unterminated string: sh_name 0x[0-9a-f]+ runs to the end of string table \.strtab without a NUL$/,
      );
      expect(error.location).toMatchObject({ field: 'sh_name' });
      expect(error.location.byteOffset! - shoff).toBeGreaterThan(0);
      expect((error.location.byteOffset! - shoff) % 64).toBe(0);
    });

    it('symbol table entsize and size', () => {
      const at = headerOf(file, '.symtab');
      expect(fails(set(at + 56, 8, 16n)).location).toMatchObject({
        section: '.symtab',
        field: 'sh_entsize',
        byteOffset: at + 56,
      });
      const symtab = file.sectionByName('.symtab')!;
      expect(fails(set(at + 32, 8, BigInt(symtab.size - 5))).location).toMatchObject({
        section: '.symtab',
        field: 'sh_size',
        byteOffset: at + 32,
      });
    });

    it('symbol st_shndx out of range, but reserved indices accepted', () => {
      const symtab = file.sectionByName('.symtab')!;
      const index = file.symbols.findIndex((s) => s.name === 'verdicts');
      const entry = symtab.offset + index * 24;
      const error = fails(set(entry + 6, 2, 0x1234n));
      expect(error.message).toBe(
        `st_shndx 4660 of symbol ${index} is out of range: the file has 28 sections`,
      );
      expect(error.location).toMatchObject({
        section: '.symtab',
        symbol: `#${index}`,
        field: 'st_shndx',
        byteOffset: entry + 6,
      });
      for (const reserved of [0xff00n, 0xfff1n, 0xfff2n, 0xffffn]) {
        expect(readElf(set(entry + 6, 2, reserved)).symbols[index]!.sectionIndex).toBe(Number(reserved));
      }
    });

    it('relocation section entsize', () => {
      const at = headerOf(file, '.relxdp');
      const error = fails(set(at + 56, 8, 24n));
      expect(error.message).toBe('relocation section sh_entsize is 24, expected 16 (sizeof Elf64_Rel)');
      expect(error.location).toMatchObject({ section: '.relxdp', field: 'sh_entsize', byteOffset: at + 56 });
    });

    it('relocation symbol index past the symbol table, reported when relocations are read', () => {
      const rel = file.sectionByName('.relxdp')!;
      const infoAt = rel.offset + 16 + 8; // second entry's r_info
      const symHalf = little ? infoAt + 4 : infoAt; // high 32 bits hold the symbol index
      const corrupt = readElf(set(symHalf, 4, 18n), 'xdp.o');
      const error = thrown(() => corrupt.relocationsFor(file.sectionByName('xdp')!.index));
      expect(error.message).toBe('relocation 1 names symbol 18, past the 18 entries of the symbol table');
      expect(error.location).toEqual({
        object: 'xdp.o',
        section: '.relxdp',
        field: 'r_info',
        byteOffset: infoAt,
      });
    });

    it('truncated file', () => {
      const error = fails(original.subarray(0, 40));
      expect(error.message).toBe('file is 40 bytes, shorter than the 64-byte ELF64 header');
      expect(error.location).toMatchObject({ field: 'e_ident', byteOffset: 40 });
    });
  });
}
