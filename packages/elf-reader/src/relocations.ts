import { type RelocationView, SHT_RELA } from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import { ELF64_REL_SIZE, ELF64_RELA_SIZE } from './elf-constants.js';
import { fail } from './fail.js';
import { type SectionHeader, SH_FIELD } from './section-table.js';
import { u64At } from './small-bigint.js';

/** Byte offset of r_info inside Elf64_Rel / Elf64_Rela. */
const R_INFO = 8;
/** Byte offset of r_addend inside Elf64_Rela. */
const R_ADDEND = 16;

/** Elf64_Rel is 16 bytes, Elf64_Rela 24 (it adds r_addend). */
export function relocationEntrySize(type: number): number {
  return type === SHT_RELA ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
}

/** Checks a SHT_REL/SHT_RELA header's sh_entsize and sh_size before any entry is read. */
export function checkRelocationSection(h: SectionHeader, label: string, object: string): void {
  const entrySize = relocationEntrySize(h.type);
  const kind = h.type === SHT_RELA ? 'Elf64_Rela' : 'Elf64_Rel';
  if (h.entsize !== BigInt(entrySize)) {
    fail(
      `relocation section sh_entsize is ${h.entsize}, expected ${entrySize} (sizeof ${kind})`,
      { object, section: label, field: 'sh_entsize', byteOffset: h.headerOffset + SH_FIELD.sh_entsize },
      'the section header is corrupt',
    );
  }
  // sh_size lies inside the file (readSectionTable checked it): exact as a number
  if (Number(h.size) % entrySize !== 0) {
    fail(
      `relocation section size ${h.size} is not a multiple of ${entrySize} (sizeof ${kind})`,
      { object, section: label, field: 'sh_size', byteOffset: h.headerOffset + SH_FIELD.sh_size },
      'the section header is corrupt or the file is truncated',
    );
  }
}

/**
 * Decodes the entries of one relocation section. ELF64 r_info packs the symbol index in the
 * high 32 bits and the type in the low 32; reading the two halves as u32 avoids a bigint split.
 */
export function readRelocations(
  reader: ByteReader,
  h: SectionHeader,
  label: string,
  symbolCount: number,
  little: boolean,
  object: string,
): RelocationView[] {
  const entrySize = relocationEntrySize(h.type);
  const start = Number(h.offset);
  const count = Number(h.size) / entrySize;
  const withAddend = h.type === SHT_RELA;
  const relocations: RelocationView[] = new Array(count);
  // The section table checked that the section lies inside the file: entries are read straight
  // from the view, without a bounds check per field.
  const view = reader.view;
  for (let i = 0; i < count; i++) {
    const entry = start + i * entrySize;
    const offset = u64At(view, entry, little);
    const first = view.getUint32(entry + R_INFO, little);
    const second = view.getUint32(entry + R_INFO + 4, little);
    const symbolIndex = little ? second : first;
    const type = little ? first : second;
    const addend = withAddend ? view.getBigInt64(entry + R_ADDEND, little) : 0n;
    if (symbolIndex >= symbolCount) {
      fail(
        `relocation ${i} names symbol ${symbolIndex}, past the ${symbolCount} entries of the symbol table`,
        { object, section: label, field: 'r_info', byteOffset: entry + R_INFO },
        'the relocation section or the symbol table is corrupt',
      );
    }
    relocations[i] = { offset, symbolIndex, type, addend };
  }
  return relocations;
}
