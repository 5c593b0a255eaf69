import { ElfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { StringTable } from './string-table.js';

const ref = { field: 'st_name', byteOffset: 0x100, section: '.symtab' };
const table = (text: string) => new StringTable(new TextEncoder().encode(text), '.strtab', 'a.o');

describe('StringTable', () => {
  it('reads NUL-terminated strings, including suffixes of other strings', () => {
    const t = table('\0maps\0.rel.BTF\0');
    expect(t.at(1, ref)).toBe('maps');
    expect(t.at(6, ref)).toBe('.rel.BTF');
    expect(t.at(10, ref)).toBe('.BTF');
    expect(t.at(11, ref)).toBe('BTF');
    expect(t.at(14, ref)).toBe('');
  });

  it('treats index 0 as the empty name even in an empty table', () => {
    expect(table('').at(0, ref)).toBe('');
  });

  it('decodes UTF-8 names', () => {
    expect(table('\0carte_grise_é\0').at(1, ref)).toBe('carte_grise_é');
  });

  it('fails past the end with the field, its offset and the table name', () => {
    const t = table('\0ab\0');
    for (const offset of [4, 1000, 2 ** 53, -1, 1.5]) {
      expect(() => t.at(offset, ref)).toThrow(ElfError);
    }
    try {
      t.at(4, ref);
    } catch (error) {
      expect((error as ElfError).message).toBe(
        'st_name 0x4 is past the end of string table .strtab (0x4 bytes)',
      );
      expect((error as ElfError).location).toEqual({
        object: 'a.o',
        section: '.symtab',
        field: 'st_name',
        byteOffset: 0x100,
      });
    }
  });

  it('fails on a string that runs off the end of the table', () => {
    expect(() => table('\0abc').at(1, ref)).toThrow(
      /unterminated string: st_name 0x1 runs to the end of string table .strtab/,
    );
  });
});
