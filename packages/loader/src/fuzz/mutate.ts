/**
 * Seeded mutations of BPF objects, aimed at the structures a loader trusts: the ELF header, the
 * section headers, symbols, relocations, .BTF, .BTF.ext and map definitions. Every case is a pure
 * function of (seed, case index), so any failure is reproduced from those two numbers alone.
 */

/** Where in an object a mutation lands. */
export type Target =
  | 'elf-header'
  | 'section-headers'
  | 'symbols'
  | 'relocations'
  | 'btf'
  | 'btf-ext'
  | 'map-definitions'
  | 'anywhere';

export const TARGETS: readonly Target[] = [
  'elf-header',
  'section-headers',
  'symbols',
  'relocations',
  'btf',
  'btf-ext',
  'map-definitions',
  'anywhere',
];

/** Byte ranges [start, end) of one object for each target it has. */
export type Regions = Partial<Record<Target, [number, number][]>>;

export interface Mutation {
  target: Target;
  /** what was done, e.g. "u32 0xffffffff at 0x1a8" */
  steps: string[];
  bytes: Uint8Array;
}

/** mulberry32: small, fast, good enough to spread mutations; never for anything secret. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** The seed of case `index` of run `seed` (a 32-bit mix, so neighbouring cases differ). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const SHT_RELA = 4;
const SHT_REL = 9;

/** The regions of an ELF64 object (either byte order), read from its own headers. */
export function objectRegions(elf: Uint8Array): Regions {
  const regions: Regions = { 'elf-header': [[0, Math.min(64, elf.length)]], anywhere: [[0, elf.length]] };
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const little = elf[5] === 1;
  const shoff = Number(view.getBigUint64(0x28, little));
  const shentsize = view.getUint16(0x3a, little);
  const shnum = view.getUint16(0x3c, little);
  const shstrndx = view.getUint16(0x3e, little);
  regions['section-headers'] = [[shoff, shoff + shnum * shentsize]];
  const header = (i: number) => shoff + i * shentsize;
  const strtab = Number(view.getBigUint64(header(shstrndx) + 24, little));
  const add = (target: Target, start: number, size: number) => {
    if (size <= 0 || start + size > elf.length) return;
    regions[target] = [...(regions[target] ?? []), [start, start + size]];
  };
  for (let i = 1; i < shnum; i++) {
    const h = header(i);
    const nameAt = strtab + view.getUint32(h, little);
    const name = Buffer.from(elf.subarray(nameAt, elf.indexOf(0, nameAt))).toString('latin1');
    const type = view.getUint32(h + 4, little);
    const offset = Number(view.getBigUint64(h + 24, little));
    const size = Number(view.getBigUint64(h + 32, little));
    if (name === '.symtab') add('symbols', offset, size);
    else if (type === SHT_REL || type === SHT_RELA) add('relocations', offset, size);
    else if (name === '.BTF') add('btf', offset, size);
    else if (name === '.BTF.ext') add('btf-ext', offset, size);
    else if (name === 'maps' || name === '.maps' || name.startsWith('maps/') || name === 'license') {
      add('map-definitions', offset, size);
    }
  }
  return regions;
}

const INTERESTING_U32 = [0, 1, 7, 8, 0xff, 0x7fff_ffff, 0x8000_0000, 0xffff_fff9, 0xffff_ffff, 0x1_0000];
const INTERESTING_U64 = [0n, 1n << 51n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 0x1_0000_0010n];

/** One mutated copy of `elf`: 1 to 3 steps inside one target region (whole file if it has none). */
export function mutate(elf: Uint8Array, regions: Regions, seed: number): Mutation {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const wanted = pick(TARGETS);
  const target = regions[wanted] ? wanted : 'anywhere';
  const [start, end] = pick(regions[target]!);
  // a copy (Buffer#slice would be a view, and mutations would pile up in the corpus)
  let bytes = Uint8Array.prototype.slice.call(elf);
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = elf[5] === 1;
  const steps: string[] = [];
  const count = 1 + Math.floor(next() * 3);
  for (let s = 0; s < count; s++) {
    const at = start + Math.floor(next() * Math.max(1, end - start));
    const aligned = (size: number) => Math.min(end - size, at - ((at - start) % size));
    const kind = next();
    if (kind < 0.3) {
      const bit = Math.floor(next() * 8);
      bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
      steps.push(`flip bit ${bit} at 0x${at.toString(16)}`);
    } else if (kind < 0.45) {
      const value = Math.floor(next() * 256);
      bytes[at] = value;
      steps.push(`byte 0x${value.toString(16)} at 0x${at.toString(16)}`);
    } else if (kind < 0.75 && end - start >= 4) {
      const where = aligned(4);
      const value = next() < 0.8 ? pick(INTERESTING_U32) : Math.floor(next() * 0x1_0000_0000);
      view().setUint32(where, value, little);
      steps.push(`u32 0x${value.toString(16)} at 0x${where.toString(16)}`);
    } else if (kind < 0.9 && end - start >= 8) {
      const where = aligned(8);
      const value = pick(INTERESTING_U64);
      view().setBigUint64(where, value, little);
      steps.push(`u64 0x${value.toString(16)} at 0x${where.toString(16)}`);
    } else if (kind < 0.95) {
      const length = Math.min(16, end - at);
      bytes.fill(0, at, at + length);
      steps.push(`zero ${length} bytes at 0x${at.toString(16)}`);
    } else {
      bytes = bytes.slice(0, at);
      steps.push(`truncate at 0x${at.toString(16)}`);
      break;
    }
  }
  return { target, steps, bytes };
}
