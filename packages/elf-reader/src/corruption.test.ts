import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fixtureFiles,
  load,
  onlyElfErrors,
  patch,
  seededRandom,
  syntheticObject,
} from './fixtures.test-helpers.js';
import { exerciseElf, readElf } from './index.js';

const files = fixtureFiles().map((path) => ({ path, name: basename(path), bytes: load(path) }));

/** Reads a (possibly corrupt) file and everything in it; returns 'ok' or the ElfError's field. */
function readAll(bytes: Uint8Array, context: string): 'ok' | 'error' {
  let outcome: 'ok' | 'error' = 'error';
  onlyElfErrors(() => {
    const file = readElf(bytes, context);
    outcome = 'ok';
    exerciseElf(file);
  }, context);
  return outcome;
}

/** Extreme values for a field of `size` bytes: 0, all ones, just past the file, huge, and near the original. */
function extremes(size: 1 | 2 | 4 | 8, original: bigint, fileSize: number): bigint[] {
  const ones = (1n << BigInt(size * 8)) - 1n;
  return [
    0n,
    1n,
    ones,
    ones >> 1n,
    (ones >> 1n) + 1n,
    BigInt(fileSize),
    BigInt(fileSize + 1),
    BigInt(fileSize - 1),
    0xff00n,
    0xffffn,
    0x1_0000_0000n,
    2n ** 53n,
    original + 1n,
    original - 1n,
    original * 2n,
  ].map((v) => v & ones);
}

function read(bytes: Uint8Array, offset: number, size: 1 | 2 | 4 | 8, little: boolean): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 1) return BigInt(view.getUint8(offset));
  if (size === 2) return BigInt(view.getUint16(offset, little));
  if (size === 4) return BigInt(view.getUint32(offset, little));
  return view.getBigUint64(offset, little);
}

// Elf64_Ehdr, byte by byte for e_ident, then every field.
const headerFields: [string, number, 1 | 2 | 4 | 8][] = [
  ...Array.from({ length: 16 }, (_, i): [string, number, 1] => [`e_ident[${i}]`, i, 1]),
  ['e_type', 16, 2],
  ['e_machine', 18, 2],
  ['e_version', 20, 4],
  ['e_entry', 24, 8],
  ['e_phoff', 32, 8],
  ['e_shoff', 40, 8],
  ['e_flags', 48, 4],
  ['e_ehsize', 52, 2],
  ['e_phentsize', 54, 2],
  ['e_phnum', 56, 2],
  ['e_shentsize', 58, 2],
  ['e_shnum', 60, 2],
  ['e_shstrndx', 62, 2],
];

// Elf64_Shdr fields.
const sectionFields: [string, number, 1 | 2 | 4 | 8][] = [
  ['sh_name', 0, 4],
  ['sh_type', 4, 4],
  ['sh_flags', 8, 8],
  ['sh_offset', 24, 8],
  ['sh_size', 32, 8],
  ['sh_link', 40, 4],
  ['sh_info', 44, 4],
  ['sh_entsize', 56, 8],
];

describe('systematic corruption: only ElfError, never another error', () => {
  for (const { name, bytes } of files) {
    const file = readElf(bytes, name);
    const little = file.byteOrder === 'little';
    const shoff = Number(file.header.shoff);

    it(`${name}: every ELF header field set to extreme values`, () => {
      const outcomes = { ok: 0, error: 0 };
      for (const [field, offset, size] of headerFields) {
        for (const value of extremes(size, read(bytes, offset, size, little), bytes.length)) {
          outcomes[readAll(patch(bytes, offset, size, value, little), `${field}=${value}`)]++;
        }
      }
      expect(outcomes.error).toBeGreaterThan(50);
      expect(outcomes.ok).toBeGreaterThan(20); // fields the reader ignores (e_entry, e_flags, ...)
    });

    it(`${name}: every section header field of every section set to extreme values`, () => {
      const outcomes = { ok: 0, error: 0 };
      for (const section of file.sections) {
        for (const [field, offset, size] of sectionFields) {
          const at = shoff + section.index * 64 + offset;
          for (const value of extremes(size, read(bytes, at, size, little), bytes.length)) {
            outcomes[
              readAll(patch(bytes, at, size, value, little), `[${section.index}].${field}=${value}`)
            ]++;
          }
        }
      }
      expect(outcomes.error).toBeGreaterThan(file.sections.length * 10);
      expect(outcomes.ok).toBeGreaterThan(0);
    });

    it(`${name}: every symbol's st_name, st_info and st_shndx, and every r_info, set to extreme values`, () => {
      const symtab = file.sections[file.symbolTableIndex!]!;
      const outcomes = { ok: 0, error: 0 };
      for (const symbol of file.symbols) {
        const entry = symtab.offset + symbol.index * 24;
        for (const [field, offset, size] of [
          ['st_name', 0, 4],
          ['st_info', 4, 1],
          ['st_shndx', 6, 2],
        ] as const) {
          for (const value of extremes(size, read(bytes, entry + offset, size, little), bytes.length)) {
            outcomes[
              readAll(patch(bytes, entry + offset, size, value, little), `#${symbol.index}.${field}=${value}`)
            ]++;
          }
        }
      }
      for (const section of file.sections) {
        if (section.type !== 9) continue;
        for (let entry = section.offset; entry < section.offset + section.size; entry += 16 * 7) {
          for (const value of extremes(8, read(bytes, entry + 8, 8, little), bytes.length)) {
            outcomes[
              readAll(patch(bytes, entry + 8, 8, value, little), `${section.name}@${entry}.r_info=${value}`)
            ]++;
          }
        }
      }
      expect(outcomes.error).toBeGreaterThan(0);
      expect(outcomes.ok).toBeGreaterThan(0);
    });

    it(`${name}: every truncation up to the end of the section header table, sampled beyond`, () => {
      const tableEnd = shoff + file.sections.length * 64;
      let failures = 0;
      for (let length = 0; length < bytes.length; length += length < tableEnd ? 1 : 97) {
        if (readAll(bytes.subarray(0, length), `truncated to ${length}`) === 'error') failures++;
      }
      // The header table sits at the end of clang's objects: every shorter prefix must fail.
      expect(tableEnd).toBe(bytes.length);
      expect(failures).toBe(bytes.length);
    });
  }
});

describe('seeded random byte-flip fuzz', () => {
  it('mutated synthetic objects (RELA, NOBITS, extended numbering, SHT_SYMTAB_SHNDX) give ElfError or a readable file', () => {
    const random = seededRandom(0x5eed);
    const objects = [true, false].flatMap((little) => [
      syntheticObject(little),
      syntheticObject(little, { extendedNumbering: true, shndx: [0, 0, 0, 2, 0] }),
    ]);
    const outcomes = { ok: 0, error: 0 };
    for (let iteration = 0; iteration < 2000; iteration++) {
      const mutated = objects[iteration % objects.length]!.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * mutated.length);
        mutated[at] = random() < 0.3 ? 0xff : Math.floor(random() * 256);
      }
      outcomes[readAll(mutated, `synthetic iteration ${iteration}`)]++;
    }
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.error).toBeGreaterThan(100);
  });

  it('2,000 mutated objects give ElfError or a readable file, nothing else', () => {
    const random = seededRandom(0xb9f_2024);
    const outcomes = { ok: 0, error: 0 };
    for (let iteration = 0; iteration < 2000; iteration++) {
      const { name, bytes } = files[iteration % files.length]!;
      const file = readElf(bytes);
      const shoff = Number(file.header.shoff);
      const symtab = file.sections[file.symbolTableIndex!]!;
      const mutated = bytes.slice();
      const flips = 1 + Math.floor(random() * 8);
      const log: string[] = [];
      for (let f = 0; f < flips; f++) {
        // Aim most flips at the structures the reader parses; the rest anywhere.
        const region = random();
        const at =
          region < 0.15
            ? Math.floor(random() * 64)
            : region < 0.6
              ? shoff + Math.floor(random() * (bytes.length - shoff))
              : region < 0.8
                ? symtab.offset + Math.floor(random() * symtab.size)
                : Math.floor(random() * bytes.length);
        const value = random() < 0.3 ? 0xff : Math.floor(random() * 256);
        mutated[at] = random() < 0.5 ? value : mutated[at]! ^ (1 << Math.floor(random() * 8));
        log.push(`${at}`);
      }
      outcomes[readAll(mutated, `${name} iteration ${iteration} (bytes ${log.join(',')})`)]++;
    }
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.error).toBeGreaterThan(100);
  });
});
