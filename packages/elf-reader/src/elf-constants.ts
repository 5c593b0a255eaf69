// ELF64 layout constants (elf.h, System V gABI) that the reader needs beyond those core exports.

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_ABIVERSION = 8;
export const EI_NIDENT = 16;

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

/** e_machine of eBPF objects (llvm and gcc both emit it) */
export const EM_BPF = 247;

/** sizeof(Elf64_Ehdr), sizeof(Elf64_Shdr), sizeof(Elf64_Sym), sizeof(Elf64_Rel), sizeof(Elf64_Rela) */
export const ELF64_EHDR_SIZE = 64;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;

export const SHT_NULL = 0;
export const SHT_DYNSYM = 11;
/** per-symbol 32-bit section indices for symbols whose st_shndx is SHN_XINDEX */
export const SHT_SYMTAB_SHNDX = 18;

/** st_shndx values from here up are reserved (SHN_ABS, SHN_COMMON, SHN_XINDEX, processor/OS specific) */
export const SHN_LORESERVE = 0xff00;
/** e_shstrndx escape: the real index is in section 0's sh_link (extended section numbering) */
export const SHN_XINDEX = 0xffff;

/** NOBITS sections are materialised as zeros; refuse to allocate more than this. */
export const MAX_NOBITS_SIZE = 1 << 30;
