import { SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, UsageError } from '@bpfkit/core';

// Elf64_Ehdr / Elf64_Shdr / Elf64_Sym sizes and the header constants of a relocatable eBPF object.
const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const ET_REL = 1;
const EM_BPF = 247;
const EV_CURRENT = 1;

/** One section to write; `data` is left out of the file for SHT_NOBITS (only `size` counts). */
export interface OutputSection {
  name: string;
  type: number;
  flags: bigint;
  data: Uint8Array;
  /** sh_size for SHT_NOBITS; data.length otherwise */
  size?: number;
  /** index of another section of this list (0 = none); filled by the writer for symtab and rel */
  link?: number;
  info?: number;
  align: number;
  entsize?: number;
}

/** One Elf64_Sym; `section` is an index into the written section list (0 = SHN_UNDEF). */
export interface OutputSymbol {
  name: string;
  value: bigint;
  size: bigint;
  type: number;
  bind: number;
  visibility: number;
  section: number;
}

export interface ElfImage {
  byteOrder: 'little' | 'big';
  /** e_flags, copied from the inputs */
  flags: number;
  /** sections in order; index 0 (SHN_UNDEF) is added by the writer, so the first here is 1 */
  sections: OutputSection[];
  /** symbols after the null symbol; locals must come first (gABI) */
  symbols: OutputSymbol[];
}

/** Where writeElf put the symbol and string tables, for relocation sections that link to them. */
export const SYMTAB_NAME = '.symtab';
export const STRTAB_NAME = '.strtab';

/**
 * Writes an ELF64 relocatable eBPF object: the given sections, then .symtab and one .strtab that
 * holds both symbol and section names (as libbpf's linker writes it). Section offsets honour each
 * section's alignment. The twin of @bpfkit/elf-reader's readElf, kept here because only linking
 * writes ELF.
 */
export function writeElf(image: ElfImage): Uint8Array {
  const strings = new StringTable();
  const sections = [...image.sections];
  const symtabIndex = sections.length + 1;
  const strtabIndex = sections.length + 2;
  const firstGlobal = image.symbols.findIndex((s) => s.bind !== 0);
  if (firstGlobal >= 0 && image.symbols.slice(firstGlobal).some((s) => s.bind === 0)) {
    throw new UsageError('local symbols must come before global ones', { hint: 'sort symbols by binding' });
  }
  const little = image.byteOrder === 'little';
  const symtab = new Uint8Array((image.symbols.length + 1) * SYM_SIZE);
  const symView = new DataView(symtab.buffer);
  image.symbols.forEach((symbol, i) => {
    const at = (i + 1) * SYM_SIZE;
    symView.setUint32(at, strings.add(symbol.name), little);
    symtab[at + 4] = (symbol.bind << 4) | (symbol.type & 0xf);
    symtab[at + 5] = symbol.visibility & 0x3;
    symView.setUint16(at + 6, symbol.section, little);
    symView.setBigUint64(at + 8, symbol.value, little);
    symView.setBigUint64(at + 16, symbol.size, little);
  });
  sections.push({
    name: SYMTAB_NAME,
    type: SHT_SYMTAB,
    flags: 0n,
    data: symtab,
    link: strtabIndex,
    // sh_info: index of the first non-local symbol
    info: firstGlobal < 0 ? image.symbols.length + 1 : firstGlobal + 1,
    align: 8,
    entsize: SYM_SIZE,
  });
  const nameOffsets = sections.map((section) => strings.add(section.name));
  const strtabNameOffset = strings.add(STRTAB_NAME);
  sections.push({ name: STRTAB_NAME, type: SHT_STRTAB, flags: 0n, data: strings.bytes(), align: 1 });
  nameOffsets.push(strtabNameOffset);
  if (symtabIndex !== sections.length - 1) throw new Error('internal: symbol table index');

  // Layout: header, section contents (aligned), then the section header table.
  const offsets: number[] = [];
  let position = EHDR_SIZE;
  for (const section of sections) {
    const align = Math.max(1, section.align);
    position = Math.ceil(position / align) * align;
    offsets.push(position);
    if (section.type !== SHT_NOBITS) position += section.data.length;
  }
  const shoff = Math.ceil(position / 8) * 8;
  const out = new Uint8Array(shoff + (sections.length + 1) * SHDR_SIZE);
  const view = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, little ? 1 : 2, EV_CURRENT, 0 /* ELFOSABI_NONE */]);
  view.setUint16(16, ET_REL, little);
  view.setUint16(18, EM_BPF, little);
  view.setUint32(20, EV_CURRENT, little);
  view.setBigUint64(40, BigInt(shoff), little);
  view.setUint32(48, image.flags, little);
  view.setUint16(52, EHDR_SIZE, little);
  view.setUint16(58, SHDR_SIZE, little);
  view.setUint16(60, sections.length + 1, little);
  view.setUint16(62, strtabIndex, little);
  sections.forEach((section, i) => {
    if (section.type !== SHT_NOBITS) out.set(section.data, offsets[i]!);
    const at = shoff + (i + 1) * SHDR_SIZE;
    view.setUint32(at, nameOffsets[i]!, little);
    view.setUint32(at + 4, section.type, little);
    view.setBigUint64(at + 8, section.flags, little);
    view.setBigUint64(at + 24, BigInt(offsets[i]!), little);
    const size = section.type === SHT_NOBITS ? (section.size ?? 0) : section.data.length;
    view.setBigUint64(at + 32, BigInt(size), little);
    view.setUint32(at + 40, section.link ?? 0, little);
    view.setUint32(at + 44, section.info ?? 0, little);
    view.setBigUint64(at + 48, BigInt(Math.max(1, section.align)), little);
    view.setBigUint64(at + 56, BigInt(section.entsize ?? 0), little);
  });
  return out;
}

/** An ELF string table under construction: offset 0 is the empty string, equal names share bytes. */
class StringTable {
  readonly #parts: Uint8Array[] = [new Uint8Array(1)];
  readonly #offsets = new Map<string, number>([['', 0]]);
  #length = 1;
  readonly #encoder = new TextEncoder();

  add(text: string): number {
    const known = this.#offsets.get(text);
    if (known !== undefined) return known;
    const encoded = this.#encoder.encode(text);
    const offset = this.#length;
    const part = new Uint8Array(encoded.length + 1);
    part.set(encoded);
    this.#parts.push(part);
    this.#length += part.length;
    this.#offsets.set(text, offset);
    return offset;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
