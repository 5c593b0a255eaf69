// Just enough ELF64 reading for the tests to pull .BTF, .BTF.ext, section sizes and symbol values
// out of the fixtures, so this package's tests need no ELF reader package.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FixtureSection {
  index: number;
  name: string;
  size: number;
  data: Uint8Array;
}

export interface FixtureSymbol {
  name: string;
  value: number;
  sectionIndex: number;
  /** STV_* visibility from st_other */
  visibility: number;
}

export interface FixtureObject {
  byteOrder: 'little' | 'big';
  sections: FixtureSection[];
  symbols: FixtureSymbol[];
  section(name: string): FixtureSection;
}

function cString(bytes: Uint8Array, start: number): string {
  const end = bytes.indexOf(0, start);
  return new TextDecoder().decode(bytes.subarray(start, end));
}

export function readFixtureObject(bytes: Uint8Array): FixtureObject {
  const le = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(0x28, le));
  const shentsize = view.getUint16(0x3a, le);
  const shnum = view.getUint16(0x3c, le);
  const shstrndx = view.getUint16(0x3e, le);
  const headers = Array.from({ length: shnum }, (_, index) => {
    const at = shoff + index * shentsize;
    return {
      index,
      nameOff: view.getUint32(at, le),
      type: view.getUint32(at + 4, le),
      offset: Number(view.getBigUint64(at + 24, le)),
      size: Number(view.getBigUint64(at + 32, le)),
      link: view.getUint32(at + 40, le),
    };
  });
  const dataOf = (h: (typeof headers)[number]) =>
    h.type === 8 ? new Uint8Array(h.size) : bytes.subarray(h.offset, h.offset + h.size);
  const names = dataOf(headers[shstrndx]!);
  const sections = headers.map((h) => ({
    index: h.index,
    name: cString(names, h.nameOff),
    size: h.size,
    data: dataOf(h),
  }));
  const symbols: FixtureSymbol[] = [];
  const symtab = headers.find((h) => h.type === 2);
  if (symtab) {
    const strtab = dataOf(headers[symtab.link]!);
    for (let at = symtab.offset; at < symtab.offset + symtab.size; at += 24) {
      symbols.push({
        name: cString(strtab, view.getUint32(at, le)),
        visibility: view.getUint8(at + 5) & 3,
        sectionIndex: view.getUint16(at + 6, le),
        value: Number(view.getBigUint64(at + 8, le)),
      });
    }
  }
  return {
    byteOrder: le ? 'little' : 'big',
    sections,
    symbols,
    section(name) {
      const found = sections.find((s) => s.name === name);
      if (!found) throw new Error(`fixture has no section ${name}`);
      return found;
    },
  };
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function loadFixture(name: string): FixtureObject {
  return readFixtureObject(new Uint8Array(readFileSync(fixturePath(name))));
}

export const BYTE_ORDERS = [
  ['bpfel', 'little'],
  ['bpfeb', 'big'],
] as const;
