import { ElfError } from '@bpfkit/core';

// ELF64 little-endian layouts (elf.h): Elf64_Ehdr, Elf64_Shdr (64 bytes), Elf64_Phdr (56 bytes).
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_X86_64 = 62;
export const SHT_NOTE = 7;
export const PT_LOAD = 1;
const PF_X = 1;

export interface HostSection {
  name: string;
  type: number;
  /** sh_addr: where the section is mapped (0 for sections that are not) */
  address: bigint;
  /** sh_offset: where its bytes are in the file */
  offset: number;
  size: number;
  /** sh_link: for a symbol table, the index of its string table */
  link: number;
  /** sh_entsize: the size of one entry of a table */
  entrySize: number;
}

/** A PT_LOAD program header: the file bytes [offset, offset + memsz) mapped at [start, end). */
export interface LoadSegment {
  start: bigint;
  end: bigint;
  offset: bigint;
  executable: boolean;
}

/**
 * The parts of an executable or shared library that uprobe and USDT attach read: its type,
 * machine, sections by name and loadable segments (libbpf reads the same through libelf).
 * bpfkit's elf-reader refuses anything but eBPF objects, hence this small reader for host binaries.
 */
export interface HostElf {
  path: string;
  bytes: Uint8Array;
  /** e_type: ET_EXEC or ET_DYN (shared libraries and PIE executables) */
  type: number;
  /** e_machine: EM_X86_64... */
  machine: number;
  sections: HostSection[];
  segments: LoadSegment[];
}

/** Reads the header, section headers (with names) and PT_LOAD segments of a 64-bit LE ELF file. */
export function readHostElf(bytes: Uint8Array, path: string): HostElf {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isElf64Le =
    bytes.length >= 64 && view.getUint32(0, false) === 0x7f454c46 && bytes[4] === 2 && bytes[5] === 1;
  if (!isElf64Le) {
    throw new ElfError(`${path} is not a 64-bit little-endian ELF file`, {
      location: { object: path },
      hint: 'uprobes and USDT probes attach to executables and shared libraries of this machine',
    });
  }
  const type = view.getUint16(0x10, true);
  const machine = view.getUint16(0x12, true);
  const table = (offsetAt: number, entsizeAt: number, countAt: number, minimum: number, what: string) => {
    const offset = Number(view.getBigUint64(offsetAt, true));
    const entsize = view.getUint16(entsizeAt, true);
    const count = view.getUint16(countAt, true);
    if (count > 0 && (entsize < minimum || offset + count * entsize > bytes.length)) {
      throw new ElfError(`${path}: the ${what} table does not fit in the file`, {
        location: { object: path, byteOffset: offset },
      });
    }
    return Array.from({ length: count }, (_, i) => offset + i * entsize);
  };

  const raw = table(0x28, 0x3a, 0x3c, 64, 'section header').map((at) => ({
    nameOffset: view.getUint32(at, true),
    type: view.getUint32(at + 4, true),
    address: view.getBigUint64(at + 16, true),
    offset: Number(view.getBigUint64(at + 24, true)),
    size: Number(view.getBigUint64(at + 32, true)),
    link: view.getUint32(at + 40, true),
    entrySize: Number(view.getBigUint64(at + 56, true)),
  }));
  const names = raw[view.getUint16(0x3e, true)];
  const sections = raw.map(({ nameOffset, ...section }) => ({
    ...section,
    name: names ? cString(bytes, names.offset + nameOffset, names.offset + names.size) : '',
  }));

  const segments: LoadSegment[] = [];
  for (const at of table(0x20, 0x36, 0x38, 56, 'program header')) {
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const start = view.getBigUint64(at + 16, true);
    segments.push({
      start,
      end: start + view.getBigUint64(at + 40, true),
      offset: view.getBigUint64(at + 8, true),
      executable: (view.getUint32(at + 4, true) & PF_X) !== 0,
    });
  }
  segments.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { path, bytes, type, machine, sections, segments };
}

/** The segment that maps a virtual address (libbpf's find_elf_seg). */
export function segmentAt(elf: HostElf, address: bigint): LoadSegment | undefined {
  return elf.segments.find((s) => s.start <= address && address < s.end);
}

/** The NUL-ended string at `start`, cut at `limit`; '' when `start` is out of bounds (a damaged name). */
function cString(bytes: Uint8Array, start: number, limit: number): string {
  if (start >= Math.min(limit, bytes.length)) return '';
  let end = start;
  while (end < limit && end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString('latin1');
}
