/**
 * Hostile variants of good objects, made by flipping the bytes a corrupt or malicious file would
 * (the cases of issue "reliability under hostile sizes"). ELF64 little-endian only.
 */

/** The byte offset of the named section's header in an ELF64 LE object. */
export function sectionHeaderOffset(elf: Uint8Array, name: string): number {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);
  const strtab = Number(view.getBigUint64(shoff + shstrndx * shentsize + 24, true));
  for (let i = 0; i < shnum; i++) {
    const header = shoff + i * shentsize;
    const nameOffset = strtab + view.getUint32(header, true);
    const end = elf.indexOf(0, nameOffset);
    if (Buffer.from(elf.subarray(nameOffset, end)).toString('latin1') === name) return header;
  }
  throw new Error(`no section ${name}`);
}

/**
 * global_vars.bpfel.o with bit 51 of the .bss sh_size set: one flipped byte (byte 6 of the u64 at
 * offset 32 of Elf64_Shdr) makes the .bss map's value size 2^51 + its real size.
 */
export function withHugeBss(elf: Uint8Array): Uint8Array {
  const copy = elf.slice();
  copy[sectionHeaderOffset(copy, '.bss') + 32 + 6]! ^= 0x08;
  return copy;
}
