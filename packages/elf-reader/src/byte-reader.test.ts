import { ElfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader.js';

const bytes = new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff]);

describe('ByteReader', () => {
  it('reads in either byte order and advances', () => {
    const le = new ByteReader(bytes, true, 'a.o');
    expect(le.u16()).toBe(0x0201);
    expect(le.u16()).toBe(0x0403);
    expect(le.position).toBe(4);
    expect(new ByteReader(bytes, false, 'a.o').u32()).toBe(0x01020304);
    expect(new ByteReader(bytes, true, 'a.o').u64()).toBe(0x0807060504030201n);
    expect(new ByteReader(bytes, false, 'a.o').expect(1, 8, 'x').i64()).toBe(0x02030405060708ffn);
  });

  it('respects the byteOffset of a view into a larger buffer', () => {
    expect(new ByteReader(bytes.subarray(4), false, 'a.o').u32()).toBe(0x05060708);
  });

  it('fails with ElfError, never RangeError, when a structure or a read runs past the end', () => {
    const reader = new ByteReader(bytes, true, 'a.o');
    expect(() => reader.expect(2, 8, 'Elf64_Sym', '.symtab')).toThrow(ElfError);
    expect(() => reader.expect(-1, 1, 'x')).toThrow(ElfError);
    expect(() => reader.expect(2 ** 60, 1, 'x')).toThrow(ElfError);
    expect(() => reader.expect(8, 1, 'x').u16()).toThrow(ElfError);
    try {
      reader.expect(4, 8, 'Elf64_Sym', '.symtab');
    } catch (error) {
      expect((error as ElfError).location).toEqual({
        object: 'a.o',
        field: 'Elf64_Sym',
        byteOffset: 4,
        section: '.symtab',
      });
    }
  });
});
