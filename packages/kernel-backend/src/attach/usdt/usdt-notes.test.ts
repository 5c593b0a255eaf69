import { ElfError, isBpfkitError, NotFoundError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { readHostElf } from '../host-elf.js';
import { readUsdtNotes } from './usdt-notes.js';
import { usdtTargets } from './usdt-targets.js';

/** One ELF note: namesz, descsz, type, then name and description, each padded to 4 bytes. */
function note(owner: string, type: number, desc: Uint8Array, descSize = desc.length): Uint8Array {
  const name = Buffer.from(`${owner}\0`, 'latin1');
  const pad = (n: number) => (n + 3) & ~3;
  const bytes = new Uint8Array(12 + pad(name.length) + pad(desc.length));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, name.length, true);
  view.setUint32(4, descSize, true);
  view.setUint32(8, type, true);
  bytes.set(name, 12);
  bytes.set(desc, 12 + pad(name.length));
  return bytes;
}

/** A stapsdt description: location, base and semaphore addresses, then provider, name, args. */
function stapsdt(location: bigint, strings: string): Uint8Array {
  const text = Buffer.from(strings, 'latin1');
  const desc = new Uint8Array(24 + text.length);
  const view = new DataView(desc.buffer);
  view.setBigUint64(0, location, true);
  view.setBigUint64(8, 0x2000n, true);
  view.setBigUint64(16, 0n, true);
  desc.set(text, 24);
  return desc;
}

/** An ELF64 LE executable with no segments and two sections: .shstrtab and .note.stapsdt. */
function elfWithNotes(notes: Uint8Array): Uint8Array {
  const names = Buffer.from('\0.shstrtab\0.note.stapsdt\0', 'latin1');
  const namesAt = 64;
  const notesAt = namesAt + names.length;
  const shoff = (notesAt + notes.length + 7) & ~7;
  const bytes = new Uint8Array(shoff + 3 * 64);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  view.setUint16(0x10, 2, true); // ET_EXEC
  view.setUint16(0x12, 62, true); // EM_X86_64
  view.setBigUint64(0x28, BigInt(shoff), true);
  view.setUint16(0x3a, 64, true);
  view.setUint16(0x3c, 3, true);
  view.setUint16(0x3e, 1, true);
  bytes.set(names, namesAt);
  bytes.set(notes, notesAt);
  const section = (index: number, name: number, type: number, offset: number, size: number) => {
    const at = shoff + index * 64;
    view.setUint32(at, name, true);
    view.setUint32(at + 4, type, true);
    view.setBigUint64(at + 24, BigInt(offset), true);
    view.setBigUint64(at + 32, BigInt(size), true);
  };
  section(1, 1, 3 /* SHT_STRTAB */, namesAt, names.length);
  section(2, 11, 7 /* SHT_NOTE */, notesAt, notes.length);
  return bytes;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('readUsdtNotes', () => {
  it('reads stapsdt notes and skips notes of other owners and types', () => {
    const bytes = elfWithNotes(
      concat(
        note('GNU', 3, new Uint8Array(20)),
        note('stapsdt', 3, stapsdt(0x1130n, 'prov\0first\0-4@%edi 8@$1\0')),
        note('stapsdt', 4, stapsdt(0x1140n, 'prov\0other type\0\0')),
        note('stapsdt', 3, stapsdt(0x1150n, 'prov\0bare\0\0')),
        note('stapsdt', 3, stapsdt(0x1160n, 'prov\0old\0:\0')),
      ),
    );
    const notes = readUsdtNotes(readHostElf(bytes, 'synthetic'));
    expect(notes.map((n) => [n.provider, n.name, n.args, n.location, n.base, n.semaphore])).toEqual([
      ['prov', 'first', '-4@%edi 8@$1', 0x1130n, 0x2000n, 0n],
      ['prov', 'bare', '', 0x1150n, 0x2000n, 0n],
      ['prov', 'old', '', 0x1160n, 0x2000n, 0n],
    ]);
  });

  it('refuses malformed notes with an ElfError at their offset, and binaries that are not ELF', () => {
    const short = elfWithNotes(note('stapsdt', 3, new Uint8Array(10)));
    expect(() => readUsdtNotes(readHostElf(short, 'short'))).toThrow(ElfError);
    expect(() => readUsdtNotes(readHostElf(short, 'short'))).toThrow(/has a 10-byte description/);
    const overlong = elfWithNotes(note('stapsdt', 3, stapsdt(1n, 'p\0n\0\0'), 4096));
    expect(() => readUsdtNotes(readHostElf(overlong, 'overlong'))).toThrow(
      /runs past the end of the section/,
    );
    const unnamed = elfWithNotes(note('stapsdt', 3, stapsdt(1n, 'p\0\0\0')));
    expect(() => readUsdtNotes(readHostElf(unnamed, 'unnamed'))).toThrow(/has no probe name/);
    expect(() => readHostElf(new Uint8Array(100), 'zeros')).toThrow(ElfError);
    const truncated = elfWithNotes(new Uint8Array(0)).subarray(0, 200);
    expect(() => readHostElf(truncated, 'truncated')).toThrow(/section header table does not fit/);
  });

  it('says a binary without the notes section has no probes', () => {
    const bytes = elfWithNotes(new Uint8Array(0));
    // rename .note.stapsdt to .note.stapsdX
    bytes[64 + 11 + 12] = 0x58;
    expect(() => readUsdtNotes(readHostElf(bytes, 'plain'))).toThrow(NotFoundError);
  });

  it('answers mutated binaries with notes or a typed error, never a crash (seeded)', () => {
    const original = elfWithNotes(
      concat(
        note('stapsdt', 3, stapsdt(0x1130n, 'prov\0first\0-4@%edi 8@-8(%rbp)\0')),
        note('stapsdt', 3, stapsdt(0x1150n, 'prov\0first\0-2@$3\0')),
      ),
    );
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 2000; round++) {
      const bytes = new Uint8Array(original);
      for (let flips = 1 + (random() % 4); flips > 0; flips--)
        bytes[random() % bytes.length] = random() & 0xff;
      try {
        usdtTargets(readHostElf(bytes, 'mutated'), 'prov', 'first', { bpfCookie: true });
      } catch (error) {
        if (!isBpfkitError(error)) throw error;
      }
    }
  });
});
