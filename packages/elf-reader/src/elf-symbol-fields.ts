import {
  STT_SECTION as IMPORTED_STT_SECTION,
  type SectionView,
  type SymbolFields,
  type SymbolView,
  UsageError,
} from '@bpfkit/core';
import {
  ELF64_SYM_SIZE as IMPORTED_ELF64_SYM_SIZE,
  SHN_XINDEX as IMPORTED_SHN_XINDEX,
} from './elf-constants.js';
import { u64At } from './small-bigint.js';
import type { StringTable } from './string-table.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const STT_SECTION = IMPORTED_STT_SECTION;
const ELF64_SYM_SIZE = IMPORTED_ELF64_SYM_SIZE;
const SHN_XINDEX = IMPORTED_SHN_XINDEX;

/** What ofType answers for a number no STT_* can be. */
const noIndices: readonly number[] = Object.freeze([]);

/** Byte offsets of Elf64_Sym fields. */
export const ST_NAME = 0;
export const ST_INFO = 4;
export const ST_OTHER = 5;
export const ST_SHNDX = 6;
const ST_VALUE = 8;
const ST_SIZE = 16;

/** Where readSymbolTable found the table, after checking every entry. */
export interface CheckedSymbolTable {
  readonly view: DataView;
  readonly littleEndian: boolean;
  /** file offset of entry 0 */
  readonly start: number;
  readonly count: number;
  readonly names: StringTable;
  readonly sections: readonly SectionView[];
  /** each symbol's section index from SHT_SYMTAB_SHNDX, when the object has one */
  readonly extendedIndices: Uint32Array | undefined;
}

/**
 * A checked SHT_SYMTAB read in place: each field from its Elf64_Sym entry when asked, a whole
 * SymbolView (its name decoded from the linked string table) made on the first ask and kept.
 * readSymbolTable checked every name offset and section index, so reading a symbol inside the
 * table cannot fail; an index outside it is a UsageError.
 */
export class ElfSymbolFields implements SymbolFields {
  readonly count: number;
  readonly #view: DataView;
  readonly #little: boolean;
  readonly #start: number;
  readonly #names: StringTable;
  readonly #sections: readonly SectionView[];
  readonly #extended: Uint32Array | undefined;
  #made: (SymbolView | undefined)[] | undefined;
  /** symbol indices by STT_* type (the low four bits of st_info), made on the first ofType */
  #byType: number[][] | undefined;

  constructor(table: CheckedSymbolTable) {
    this.count = table.count;
    this.#view = table.view;
    this.#little = table.littleEndian;
    this.#start = table.start;
    this.#names = table.names;
    this.#sections = table.sections;
    this.#extended = table.extendedIndices;
  }

  type(index: number): number {
    return this.#view.getUint8(this.#entry(index) + ST_INFO) & 0xf;
  }

  bind(index: number): number {
    return this.#view.getUint8(this.#entry(index) + ST_INFO) >> 4;
  }

  visibility(index: number): number {
    return this.#view.getUint8(this.#entry(index) + ST_OTHER) & 0x3;
  }

  sectionIndex(index: number): number {
    const raw = this.#view.getUint16(this.#entry(index) + ST_SHNDX, this.#little);
    return raw === SHN_XINDEX && this.#extended !== undefined ? this.#extended[index]! : raw;
  }

  ofType(type: number): readonly number[] {
    if (this.#byType === undefined) {
      // one pass sorts every symbol by type: an open asks for functions and variables several times
      const byType: number[][] = [];
      for (let t = 0; t < 16; t++) byType.push([]);
      const view = this.#view;
      for (let index = 0, info = this.#start + ST_INFO; index < this.count; index++, info += ELF64_SYM_SIZE)
        byType[view.getUint8(info) & 0xf]!.push(index);
      this.#byType = byType;
    }
    return this.#byType[type] ?? noIndices;
  }

  symbol(index: number): SymbolView {
    this.#entry(index);
    this.#made ??= new Array(this.count).fill(undefined);
    let made = this.#made[index];
    if (made === undefined) {
      made = this.#make(index);
      this.#made[index] = made;
    }
    return made;
  }

  /** Where entry `index` starts in the file; a UsageError for an index outside the table. */
  #entry(index: number): number {
    if (!(index >= 0 && index < this.count && Number.isInteger(index))) {
      throw new UsageError(`symbol index ${index} is outside the table of ${this.count} symbols`, {
        hint: 'ask for indices 0 to symbolFields.count - 1',
      });
    }
    return this.#start + index * ELF64_SYM_SIZE;
  }

  #make(index: number): SymbolView {
    const view = this.#view;
    const little = this.#little;
    const entry = this.#start + index * ELF64_SYM_SIZE;
    const info = view.getUint8(entry + ST_INFO);
    const type = info & 0xf;
    const sectionIndex = this.sectionIndex(index);
    // checked by readSymbolTable: the offset lies in the table and a NUL follows it
    let name = this.#names.lookup(view.getUint32(entry + ST_NAME, little))!;
    // unnamed section symbols take their section's name, as llvm-readelf shows them
    if (name === '' && type === STT_SECTION && sectionIndex < this.#sections.length)
      name = this.#sections[sectionIndex]!.name;
    return {
      index,
      name,
      value: u64At(view, entry + ST_VALUE, little),
      size: u64At(view, entry + ST_SIZE, little),
      type,
      bind: info >> 4,
      visibility: view.getUint8(entry + ST_OTHER) & 0x3,
      sectionIndex,
    };
  }
}
