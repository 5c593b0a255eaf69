// Shared by this package's tests: fixture discovery, an llvm-readelf oracle, byte patching and a
// tiny ELF writer for layouts the fixtures do not have (RELA, NOBITS, extended numbering).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isBpfkitError } from '@bpfkit/core';

export const fixturesDir = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Every clang fixture, in pairs: name -> { little, big } file paths. */
export function fixtureTwins(): { name: string; little: string; big: string }[] {
  return readdirSync(fixturesDir)
    .filter((file) => file.endsWith('.bpfel.o'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.bpfel.o'.length);
      return { name, little: `${fixturesDir}${file}`, big: `${fixturesDir}${name}.bpfeb.o` };
    });
}

export function fixtureFiles(): string[] {
  return fixtureTwins().flatMap((twin) => [twin.little, twin.big]);
}

export function load(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Prebuilt objects from Debian's xdp-tools: real files nobody here wrote. */
export const xdpToolsDir = '/usr/lib/x86_64-linux-gnu/bpf';
export function xdpToolsObjects(): string[] {
  if (!existsSync(xdpToolsDir)) return [];
  return readdirSync(xdpToolsDir)
    .filter((file) => file.endsWith('.o'))
    .sort()
    .map((file) => `${xdpToolsDir}/${file}`);
}

export const READELF = 'llvm-readelf-19';
export const hasReadelf = (() => {
  try {
    execFileSync(READELF, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Named {
  Name: string;
  Value: number;
}
export interface ReadelfOutput {
  Sections: {
    Section: {
      Index: number;
      Name: Named;
      Type: Named;
      Flags: { Value: number };
      Address: number;
      Offset: number;
      Size: number;
      Link: number;
      Info: number;
      AddressAlignment: number;
      EntrySize: number;
    };
  }[];
  Symbols?: {
    Symbol: {
      Name: Named;
      Value: number;
      Size: number;
      Binding: Named;
      Type: Named;
      Other: { Value: number };
      Section: Named;
    };
  }[];
  Relocations?: {
    SectionIndex: number;
    Relocs: { Relocation: { Offset: number; Type: Named; Symbol: Named; Addend?: number } }[];
  }[];
}

/** llvm-readelf's own view of a file (JSON output style). */
export function readelfJson(path: string): ReadelfOutput {
  const text = execFileSync(READELF, ['--elf-output-style=JSON', '-S', '-s', '-r', path], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return (JSON.parse(text) as ReadelfOutput[])[0]!;
}

/**
 * Runs `action` and returns the error it threw, if any; fails the test with the original error
 * when it is anything but ElfError (a RangeError or TypeError escaping the reader is the bug
 * these tests hunt).
 */
export function onlyElfErrors(action: () => void, context: string): Error | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (isBpfkitError(error) && error.name === 'ElfError') return error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`${context}: threw a non-ElfError: ${reason}`, { cause: error });
  }
}

/** Writes an unsigned field of `size` bytes at `offset` in the file's byte order. */
export function patch(
  bytes: Uint8Array,
  offset: number,
  size: 1 | 2 | 4 | 8,
  value: bigint,
  little: boolean,
): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const mask = (1n << BigInt(size * 8)) - 1n;
  const v = value & mask;
  if (size === 1) view.setUint8(offset, Number(v));
  else if (size === 2) view.setUint16(offset, Number(v), little);
  else if (size === 4) view.setUint32(offset, Number(v), little);
  else view.setBigUint64(offset, v, little);
  return copy;
}

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce from the seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SectionSpec {
  name: string;
  type: number;
  flags?: bigint;
  data?: Uint8Array;
  /** for NOBITS: the size without data */
  size?: bigint;
  link?: number;
  info?: number;
  entsize?: bigint;
}

/**
 * Writes a minimal ELF64 EM_BPF relocatable: header, section data, then the section header
 * table. Section 0 (NULL) and a trailing .shstrtab are added.
 */
export function buildElf(
  sections: SectionSpec[],
  little: boolean,
  options: { extendedNumbering?: boolean } = {},
): Uint8Array {
  const names: number[] = [0];
  const nameOffsets: number[] = [];
  const all = [...sections, { name: '.shstrtab', type: 3 } as SectionSpec];
  for (const s of all) {
    nameOffsets.push(names.length);
    names.push(...new TextEncoder().encode(s.name), 0);
  }
  all[all.length - 1]!.data = new Uint8Array(names);
  let cursor = 64;
  const offsets: number[] = [];
  for (const s of all) {
    cursor = (cursor + 7) & ~7;
    offsets.push(cursor);
    if (s.type !== 8) cursor += s.data?.length ?? 0;
  }
  const shoff = (cursor + 7) & ~7;
  const count = all.length + 1;
  const out = new Uint8Array(shoff + count * 64);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, little ? 1 : 2, 1]);
  view.setUint16(16, 1, little); // ET_REL
  view.setUint16(18, 247, little);
  view.setUint32(20, 1, little);
  view.setBigUint64(40, BigInt(shoff), little);
  view.setUint16(52, 64, little);
  view.setUint16(58, 64, little);
  view.setUint16(60, options.extendedNumbering ? 0 : count, little);
  view.setUint16(62, options.extendedNumbering ? 0xffff : count - 1, little);
  if (options.extendedNumbering) {
    view.setBigUint64(shoff + 32, BigInt(count), little);
    view.setUint32(shoff + 40, count - 1, little);
  }
  all.forEach((s, i) => {
    const h = shoff + (i + 1) * 64;
    if (s.type !== 8 && s.data) out.set(s.data, offsets[i]!);
    view.setUint32(h, nameOffsets[i]!, little);
    view.setUint32(h + 4, s.type, little);
    view.setBigUint64(h + 8, s.flags ?? 0n, little);
    view.setBigUint64(h + 24, BigInt(offsets[i]!), little);
    view.setBigUint64(h + 32, s.size ?? BigInt(s.data?.length ?? 0), little);
    view.setUint32(h + 40, s.link ?? 0, little);
    view.setUint32(h + 44, s.info ?? 0, little);
    view.setBigUint64(h + 48, 8n, little);
    view.setBigUint64(h + 56, s.entsize ?? 0n, little);
  });
  return out;
}

/** Packs Elf64_Sym entries (st_name, st_info, st_other, st_shndx, st_value, st_size). */
export function symbolEntries(
  entries: { name: number; info: number; other?: number; shndx: number; value?: bigint; size?: bigint }[],
  little: boolean,
): Uint8Array {
  const out = new Uint8Array(entries.length * 24);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const at = i * 24;
    view.setUint32(at, e.name, little);
    view.setUint8(at + 4, e.info);
    view.setUint8(at + 5, e.other ?? 0);
    view.setUint16(at + 6, e.shndx, little);
    view.setBigUint64(at + 8, e.value ?? 0n, little);
    view.setBigUint64(at + 16, e.size ?? 0n, little);
  });
  return out;
}

/** Packs Elf64_Rela entries; r_info = sym << 32 | type. */
export function relaEntries(
  entries: { offset: bigint; sym: number; type: number; addend: bigint }[],
  little: boolean,
): Uint8Array {
  const out = new Uint8Array(entries.length * 24);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    view.setBigUint64(i * 24, e.offset, little);
    view.setBigUint64(i * 24 + 8, (BigInt(e.sym) << 32n) | BigInt(e.type), little);
    view.setBigInt64(i * 24 + 16, e.addend, little);
  });
  return out;
}

export function strtab(...strings: string[]): { data: Uint8Array; offsets: number[] } {
  const bytes: number[] = [0];
  const offsets: number[] = [];
  for (const s of strings) {
    offsets.push(bytes.length);
    bytes.push(...new TextEncoder().encode(s), 0);
  }
  return { data: new Uint8Array(bytes), offsets };
}

function u32s(values: number[], little: boolean): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint32(i * 4, v, little);
  return out;
}

/**
 * An object with what clang's fixtures lack: a NOBITS .bss, SHT_RELA with addends, a symbol with
 * protected visibility and one in SHN_ABS; optionally extended numbering and SHT_SYMTAB_SHNDX
 * (then symbol 3's st_shndx is SHN_XINDEX and `shndx` gives the real indices). Sections:
 * 1 xdp, 2 .bss, 3 .strtab, 4 .symtab, 5 .rela.xdp, [6 .symtab_shndx], then .shstrtab.
 */
export function syntheticObject(
  little: boolean,
  options: { extendedNumbering?: boolean; shndx?: number[] } = {},
): Uint8Array {
  const names = strtab('prog', 'counter', 'other');
  const { shndx } = options;
  return buildElf(
    [
      { name: 'xdp', type: 1, flags: 6n, data: new Uint8Array(32) },
      { name: '.bss', type: 8, flags: 3n, size: 4096n },
      { name: '.strtab', type: 3, data: names.data },
      {
        name: '.symtab',
        type: 2,
        link: 3,
        info: 2,
        entsize: 24n,
        data: symbolEntries(
          [
            { name: 0, info: 0, shndx: 0 },
            { name: 0, info: 3, shndx: 1 }, // STT_SECTION
            { name: names.offsets[0]!, info: 0x12, shndx: 1, size: 32n },
            { name: names.offsets[1]!, info: 0x11, other: 2, shndx: shndx ? 0xffff : 2, value: 8n, size: 8n },
            { name: names.offsets[2]!, info: 0x10, shndx: 0xfff1 },
          ],
          little,
        ),
      },
      {
        name: '.rela.xdp',
        type: 4,
        link: 4,
        info: 1,
        entsize: 24n,
        data: relaEntries(
          [
            { offset: 0n, sym: 3, type: 1, addend: -8n },
            { offset: 16n, sym: 1, type: 10, addend: 0x1_0000_0000n },
          ],
          little,
        ),
      },
      ...(shndx
        ? [{ name: '.symtab_shndx', type: 18, link: 4, entsize: 4n, data: u32s(shndx, little) }]
        : []),
    ],
    little,
    options.extendedNumbering ? { extendedNumbering: true } : {},
  );
}
