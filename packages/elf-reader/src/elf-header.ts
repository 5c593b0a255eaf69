import { ByteReader } from './byte-reader.js';
import {
  EI_ABIVERSION,
  EI_CLASS,
  EI_DATA,
  EI_NIDENT,
  EI_OSABI,
  EI_VERSION,
  ELF_MAGIC,
  ELF64_EHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  EM_BPF,
} from './elf-constants.js';
import { fail, hex } from './fail.js';

/** Fields of Elf64_Ehdr as stored in the file (e_shnum/e_shstrndx raw, before extended numbering). */
export interface ElfHeaderFields {
  /** EI_CLASS: always ELFCLASS64 (2) once read */
  readonly class: number;
  /** EI_DATA: ELFDATA2LSB (1) or ELFDATA2MSB (2) */
  readonly data: number;
  readonly byteOrder: 'little' | 'big';
  /** EI_VERSION */
  readonly identVersion: number;
  /** EI_OSABI */
  readonly osabi: number;
  /** EI_ABIVERSION */
  readonly abiVersion: number;
  /** e_type: ET_REL (1) for objects clang and gcc produce */
  readonly type: number;
  /** e_machine: EM_BPF (247) */
  readonly machine: number;
  /** e_version */
  readonly version: number;
  readonly entry: bigint;
  readonly phoff: bigint;
  readonly shoff: bigint;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

/** The ELF64 file header (Elf64_Ehdr): plain data, frozen once read. */
export type ElfHeader = Readonly<ElfHeaderFields>;

// Byte offsets of Elf64_Ehdr fields, for error locations.
const E_MACHINE = 18;
const E_SHENTSIZE = 58;

/** Reads and checks e_ident and Elf64_Ehdr; returns the header and a reader in the file's byte order. */
export function readElfHeader(bytes: Uint8Array, object: string): { header: ElfHeader; reader: ByteReader } {
  for (let i = 0; i < ELF_MAGIC.length; i++) {
    if (i >= bytes.length) break;
    if (bytes[i] !== ELF_MAGIC[i]) {
      fail(
        `not an ELF file: byte ${i} of the magic is ${hex(bytes[i]!)}, expected ${hex(ELF_MAGIC[i]!)}`,
        { object, field: 'e_ident[EI_MAG]', byteOffset: i },
        'expected an object compiled with clang -target bpf (starts with "\\x7fELF")',
      );
    }
  }
  if (bytes.length < ELF64_EHDR_SIZE) {
    fail(
      `file is ${bytes.length} bytes, shorter than the ${ELF64_EHDR_SIZE}-byte ELF64 header`,
      { object, field: 'e_ident', byteOffset: bytes.length },
      'the file is truncated',
    );
  }
  const elfClass = bytes[EI_CLASS]!;
  if (elfClass !== ELFCLASS64) {
    fail(
      elfClass === ELFCLASS32
        ? 'ELFCLASS32 object: not 64-bit'
        : `EI_CLASS is ${elfClass}: not 64-bit (expected ELFCLASS64 = 2)`,
      { object, field: 'e_ident[EI_CLASS]', byteOffset: EI_CLASS },
      'eBPF objects are ELF64; compile with clang -target bpf',
    );
  }
  const data = bytes[EI_DATA]!;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    fail(
      `EI_DATA is ${data}, neither ELFDATA2LSB (1) nor ELFDATA2MSB (2)`,
      { object, field: 'e_ident[EI_DATA]', byteOffset: EI_DATA },
      'the byte order byte of the header is corrupt',
    );
  }
  const reader = new ByteReader(bytes, data === ELFDATA2LSB, object);
  reader.expect(EI_NIDENT, ELF64_EHDR_SIZE - EI_NIDENT, 'Elf64_Ehdr');
  const header = Object.freeze({
    class: elfClass,
    data,
    byteOrder: data === ELFDATA2LSB ? 'little' : 'big',
    identVersion: bytes[EI_VERSION]!,
    osabi: bytes[EI_OSABI]!,
    abiVersion: bytes[EI_ABIVERSION]!,
    type: reader.u16(),
    machine: reader.u16(),
    version: reader.u32(),
    entry: reader.u64(),
    phoff: reader.u64(),
    shoff: reader.u64(),
    flags: reader.u32(),
    ehsize: reader.u16(),
    phentsize: reader.u16(),
    phnum: reader.u16(),
    shentsize: reader.u16(),
    shnum: reader.u16(),
    shstrndx: reader.u16(),
  });
  if (header.machine !== EM_BPF) {
    fail(
      `e_machine is ${header.machine}, not EM_BPF (${EM_BPF})`,
      { object, field: 'e_machine', byteOffset: E_MACHINE },
      'this is an object for another architecture; compile with clang -target bpf',
    );
  }
  if (header.shoff !== 0n && header.shentsize !== ELF64_SHDR_SIZE) {
    fail(
      `e_shentsize is ${header.shentsize}, expected ${ELF64_SHDR_SIZE} (sizeof Elf64_Shdr)`,
      { object, field: 'e_shentsize', byteOffset: E_SHENTSIZE },
      'the ELF header is corrupt',
    );
  }
  return { header, reader };
}
