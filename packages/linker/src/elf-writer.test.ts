import {
  SHT_NOBITS,
  SHT_PROGBITS,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  UsageError,
} from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { type ElfImage, writeElf } from './elf-writer.js';

const code = new Uint8Array([0xb7, 0, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

function image(byteOrder: 'little' | 'big'): ElfImage {
  return {
    byteOrder,
    flags: 0,
    sections: [
      { name: 'xdp', type: SHT_PROGBITS, flags: 0x6n, data: code, align: 8 },
      { name: '.bss', type: SHT_NOBITS, flags: 0x3n, data: new Uint8Array(0), size: 24, align: 8 },
    ],
    symbols: [
      { name: 'helper', value: 8n, size: 8n, type: STT_FUNC, bind: STB_LOCAL, visibility: 0, section: 1 },
      { name: 'prog', value: 0n, size: 16n, type: STT_FUNC, bind: STB_GLOBAL, visibility: 0, section: 1 },
      {
        name: 'counter',
        value: 16n,
        size: 8n,
        type: STT_OBJECT,
        bind: STB_GLOBAL,
        visibility: 2,
        section: 2,
      },
    ],
  };
}

describe('writeElf', () => {
  it.each(['little', 'big'] as const)('writes a %s-endian object that readElf reads back', (byteOrder) => {
    const file = readElf(writeElf(image(byteOrder)), 'written.o');
    expect(file.byteOrder).toBe(byteOrder);
    expect(file.header).toMatchObject({ type: 1, machine: 247 });
    expect(file.sections.map((s) => `${s.name} ${s.type} ${s.size}`)).toEqual([
      ' 0 0',
      'xdp 1 16',
      '.bss 8 24',
      '.symtab 2 96',
      '.strtab 3 46', // '', helper, prog, counter, xdp, .bss, .symtab, .strtab
    ]);
    expect(Array.from(file.sectionData(1))).toEqual(Array.from(code));
    expect(file.sectionHeader(3)).toMatchObject({ link: 4, info: 2 }); // first global is symbol 2
    expect(file.symbols.map((s) => [s.name, s.value, s.bind, s.visibility, s.sectionIndex])).toEqual([
      ['', 0n, 0, 0, 0],
      ['helper', 8n, STB_LOCAL, 0, 1],
      ['prog', 0n, STB_GLOBAL, 0, 1],
      ['counter', 16n, STB_GLOBAL, 2, 2],
    ]);
  });

  it('refuses a local symbol after a global one', () => {
    const bad = image('little');
    bad.symbols.reverse();
    expect(() => writeElf(bad)).toThrow(UsageError);
  });
});
