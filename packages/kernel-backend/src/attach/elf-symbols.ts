import { NotFoundError, UsageError } from '@bpfkit/core';

// ELF64 little-endian layout (elf.h): Elf64_Ehdr, Elf64_Shdr (64 bytes), Elf64_Sym (24 bytes).
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

interface Section {
  type: number;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  entsize: bigint;
}

/**
 * The file offset of a function in an executable or shared library: what a uprobe's
 * probe_offset is. st_value is a virtual address, so it is moved into the file through the
 * section that holds it (offset = value - sh_addr + sh_offset). Reads .symtab and .dynsym.
 *
 * bpfkit's elf-reader reads eBPF objects only (it refuses e_machine other than EM_BPF), hence
 * this small reader for host binaries.
 */
export function functionFileOffset(file: Uint8Array, functionName: string, path: string): number {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const isElf64Le =
    file.length >= 64 && view.getUint32(0, false) === 0x7f454c46 && file[4] === 2 && file[5] === 1;
  if (!isElf64Le) {
    throw new UsageError(`${path} is not a 64-bit little-endian ELF file`, {
      hint: 'uprobes attach to executables and shared libraries of this machine',
    });
  }
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    if (at + 64 > file.length) break;
    sections.push({
      type: view.getUint32(at + 4, true),
      addr: view.getBigUint64(at + 16, true),
      offset: view.getBigUint64(at + 24, true),
      size: view.getBigUint64(at + 32, true),
      link: view.getUint32(at + 40, true),
      entsize: view.getBigUint64(at + 56, true),
    });
  }
  for (const table of sections) {
    if (table.type !== SHT_SYMTAB && table.type !== SHT_DYNSYM) continue;
    const strings = sections[table.link];
    if (!strings || table.entsize !== 24n) continue;
    const count = Number(table.size / 24n);
    for (let i = 1; i < count; i++) {
      const at = Number(table.offset) + i * 24;
      if (at + 24 > file.length) break;
      const type = file[at + 4]! & 0xf;
      if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
      const shndx = view.getUint16(at + 6, true);
      const value = view.getBigUint64(at + 8, true);
      if (shndx === 0 || value === 0n) continue;
      if (cString(file, Number(strings.offset) + view.getUint32(at, true)) !== functionName) continue;
      const section = sections[shndx];
      if (!section) continue;
      return Number(value - section.addr + section.offset);
    }
  }
  throw new NotFoundError(`no function ${functionName} in ${path}`, {
    hint: 'the binary may be stripped; give the offset instead, or check the name with `nm -D`',
  });
}

function cString(bytes: Uint8Array, start: number): string {
  let end = start;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
