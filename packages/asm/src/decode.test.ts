import { basename } from 'node:path';
import type { Instruction } from '@bpfkit/core';
import { isBpfkitError, ProgramDefinitionError, SHF_EXECINSTR } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { decodeInstructions } from './decode.js';
import { encodeInstructions } from './encode.js';
import { fixtureTwins, objectFiles, readBytes } from './llvm-tools.test-helpers.js';

// `*(u16 *)(r10 - 0x2) = r0` and `r2 += -0x2` from legacy_xdp, in both byte orders
const littleBytes = Uint8Array.from([
  0x6b, 0x0a, 0xfe, 0xff, 0, 0, 0, 0, 0x07, 0x02, 0, 0, 0xfe, 0xff, 0xff, 0xff,
]);
const bigBytes = Uint8Array.from([
  0x6b, 0xa0, 0xff, 0xfe, 0, 0, 0, 0, 0x07, 0x20, 0, 0, 0xff, 0xff, 0xff, 0xfe,
]);
const expected: Instruction[] = [
  { code: 0x6b, dst: 10, src: 0, off: -2, imm: 0 },
  { code: 0x07, dst: 2, src: 0, off: 0, imm: -2 },
];

describe('decodeInstructions', () => {
  it('reads dst from the low nibble in little-endian objects', () => {
    expect(decodeInstructions(littleBytes, 'little')).toEqual(expected);
  });

  it('reads dst from the high nibble and off/imm big-endian in big-endian objects', () => {
    expect(decodeInstructions(bigBytes, 'big')).toEqual(expected);
  });

  it('decodes a view at a non-zero offset of a larger buffer', () => {
    const padded = new Uint8Array(24);
    padded.set(littleBytes, 8);
    expect(decodeInstructions(padded.subarray(8), 'little')).toEqual(expected);
  });

  it('keeps a 64-bit immediate load as two slots', () => {
    const bytes = encodeInstructions(
      [
        { code: 0x18, dst: 1, src: 0, off: 0, imm: 0x9abcdef0 | 0 },
        { code: 0, dst: 0, src: 0, off: 0, imm: 0x12345678 },
      ],
      'little',
    );
    const insns = decodeInstructions(bytes, 'little');
    expect(insns).toHaveLength(2);
    expect(insns[1]!.imm).toBe(0x12345678);
  });

  it('rejects a length that is not a multiple of 8 with a typed error at the trailing bytes', () => {
    let caught: unknown;
    try {
      decodeInstructions(new Uint8Array(20), 'little');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProgramDefinitionError);
    expect(isBpfkitError(caught) && caught.code).toBe('PROGRAM_DEFINITION');
    expect((caught as ProgramDefinitionError).location.byteOffset).toBe(16);
  });
});

describe('round trip', () => {
  for (const file of objectFiles()) {
    it(`re-encodes every executable section of ${basename(file)} byte for byte`, () => {
      const elf = readElf(readBytes(file), file);
      const sections = elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0n);
      expect(sections.length).toBeGreaterThan(0);
      for (const section of sections) {
        const bytes = elf.sectionData(section.index);
        const insns = decodeInstructions(bytes, elf.byteOrder);
        expect(encodeInstructions(insns, elf.byteOrder), section.name).toEqual(bytes);
      }
    });
  }

  for (const twin of fixtureTwins()) {
    it(`moves ${basename(twin.big)} to little-endian and back without change`, () => {
      const elf = readElf(readBytes(twin.big), twin.big);
      for (const section of elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0n)) {
        const insns = decodeInstructions(elf.sectionData(section.index), 'big');
        const little = encodeInstructions(insns, 'little');
        expect(decodeInstructions(little, 'little')).toEqual(insns);
      }
    });
  }

  it('round-trips random slots in both byte orders', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return seed;
    };
    const insns: Instruction[] = Array.from({ length: 5000 }, () => ({
      code: next() & 0xff,
      dst: next() & 0xf,
      src: (next() >> 8) & 0xf,
      off: (next() << 16) >> 16,
      imm: next(),
    }));
    for (const order of ['little', 'big'] as const) {
      expect(decodeInstructions(encodeInstructions(insns, order), order)).toEqual(insns);
    }
  });
});

describe('encodeInstructions', () => {
  it.each([
    ['dst', { dst: 16 }],
    ['src', { src: -1 }],
    ['off', { off: 0x8000 }],
    ['imm', { imm: 0xffffffff }],
    ['code', { code: 256 }],
    ['imm', { imm: 1.5 }],
  ] as const)('rejects %s out of range with the instruction index', (field, patch) => {
    const insns: Instruction[] = [{ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
    insns.push({ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0, ...patch });
    let caught: unknown;
    try {
      encodeInstructions(insns, 'little');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProgramDefinitionError);
    expect((caught as ProgramDefinitionError).location).toMatchObject({
      instruction: 1,
      field,
      byteOffset: 8,
    });
  });
});
