import { NotFoundError } from '@bpfkit/core';
import { readHostElf } from './host-elf.js';

// Elf64_Sym (24 bytes): st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64.
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SYMBOL_SIZE = 24;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

/**
 * The file offset of a function in an executable or shared library: what a uprobe's
 * probe_offset is. st_value is a virtual address, so it is moved into the file through the
 * section that holds it (offset = value - sh_addr + sh_offset). Reads .symtab and .dynsym.
 */
export function functionFileOffset(file: Uint8Array, functionName: string, path: string): number {
  const elf = readHostElf(file, path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  for (const table of elf.sections) {
    if (table.type !== SHT_SYMTAB && table.type !== SHT_DYNSYM) continue;
    const strings = elf.sections[table.link];
    if (!strings || table.entrySize !== SYMBOL_SIZE) continue;
    const count = Math.floor(table.size / SYMBOL_SIZE);
    for (let i = 1; i < count; i++) {
      const at = table.offset + i * SYMBOL_SIZE;
      if (at + SYMBOL_SIZE > file.length) break;
      const type = file[at + 4]! & 0xf;
      if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
      const shndx = view.getUint16(at + 6, true);
      const value = view.getBigUint64(at + 8, true);
      if (shndx === 0 || value === 0n) continue;
      if (cString(file, strings.offset + view.getUint32(at, true)) !== functionName) continue;
      const section = elf.sections[shndx];
      if (!section) continue;
      return Number(value - section.address) + section.offset;
    }
  }
  throw new NotFoundError(`no function ${functionName} in ${path}`, {
    hint: 'the binary may be stripped; give the offset instead, or check the name with `nm -D`',
  });
}

function cString(bytes: Uint8Array, start: number): string {
  if (start >= bytes.length) return '';
  let end = start;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
