import type { SymbolFields } from './symbol-fields.js';

/**
 * The view of an object file that collector stages read. elf-reader's ElfFile satisfies it
 * structurally; core names only what stages need so it depends on no reader.
 */
export interface ObjectFileView {
  /** file name for messages */
  readonly name: string;
  readonly byteOrder: 'little' | 'big';
  readonly sections: readonly SectionView[];
  readonly symbols: readonly SymbolView[];
  /**
   * The same symbols field by field, without an object per symbol (see SymbolFields). Optional:
   * read it through `symbolFieldsOf(file)`, which falls back to `symbols`.
   */
  readonly symbolFields?: SymbolFields;
  /** relocations that apply to the section with this index */
  relocationsFor(sectionIndex: number): readonly RelocationView[];
  /** contents of a section (zeros for NOBITS) */
  sectionData(sectionIndex: number): Uint8Array;
}

export interface SectionView {
  readonly index: number;
  readonly name: string;
  /** SHT_* */
  readonly type: number;
  /** SHF_* */
  readonly flags: bigint;
  readonly size: number;
  readonly offset: number;
}

export interface SymbolView {
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly bind: number;
  /** STV_* */
  readonly visibility: number;
  /** st_shndx; SHN_UNDEF (0) for externs */
  readonly sectionIndex: number;
}

export interface RelocationView {
  /** r_offset: byte offset inside the section being relocated */
  readonly offset: bigint;
  /** index into the symbol table */
  readonly symbolIndex: number;
  /** R_BPF_* */
  readonly type: number;
  /** r_addend for SHT_RELA; 0n for SHT_REL */
  readonly addend: bigint;
}

// ELF constants that collector stages need (elf.h).
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1n;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
/** R_BPF_64_64: ld_imm64 relocation; R_BPF_64_32: call relocation (llvm's BPF backend) */
export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;
