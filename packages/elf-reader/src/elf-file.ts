import {
  type ObjectFileView,
  type RelocationView,
  type SectionView,
  SHT_NOBITS,
  SHT_STRTAB,
  type SymbolFields,
  type SymbolView,
} from '@bpfkit/core';
import type { ByteReader } from './byte-reader.js';
import { MAX_NOBITS_SIZE } from './elf-constants.js';
import type { ElfHeader } from './elf-header.js';
import type { ElfSymbolFields } from './elf-symbol-fields.js';
import { fail, hex } from './fail.js';
import { readRelocations } from './relocations.js';
import { type SectionHeader, type SectionTable, SH_FIELD, sectionHeaderAt } from './section-table.js';
import { StringTable } from './string-table.js';
import type { SymbolTable } from './symbol-table.js';

/** What readElf has parsed and checked eagerly; ElfFile reads the rest on demand. */
export interface ElfParts {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly reader: ByteReader;
  readonly header: ElfHeader;
  readonly table: SectionTable;
  readonly symbolTable: SymbolTable;
  /** target section index -> indices of the SHT_REL/SHT_RELA sections that apply to it */
  readonly relocationSections: ReadonlyMap<number, readonly number[]>;
}

const noRelocations: readonly RelocationView[] = Object.freeze([]);
const noSymbols: readonly SymbolView[] = Object.freeze([]);

/**
 * A parsed ELF64 eBPF object. Header, section headers, names and symbols are read and checked by
 * readElf; relocations and section contents are read when asked for, then cached. Section data is
 * a view into the caller's bytes, not a copy. A symbol becomes an object when first asked for
 * (`symbols`, `symbolFields`, both getters: a view spread from an ElfFile names its `symbols`).
 */
export class ElfFile implements ObjectFileView {
  readonly name: string;
  readonly byteOrder: 'little' | 'big';
  readonly header: ElfHeader;
  readonly sections: readonly SectionView[];
  /** index of the SHT_SYMTAB section, undefined when the object has no symbol table */
  readonly symbolTableIndex: number | undefined;

  readonly #symbolFields: ElfSymbolFields;
  #symbols: readonly SymbolView[] | undefined;
  readonly #bytes: Uint8Array;
  readonly #reader: ByteReader;
  readonly #tableOffset: number;
  /** headers decoded so far by sectionHeader() */
  readonly #headers: (SectionHeader | undefined)[] = [];
  readonly #relocationSections: ReadonlyMap<number, readonly number[]>;
  readonly #relocations = new Map<number, readonly RelocationView[]>();
  readonly #stringTables = new Map<number, StringTable>();
  #byName: Map<string, SectionView> | undefined;
  #bySection: Map<number, SymbolView[]> | undefined;

  /** Use readElf; this takes what it has already parsed and checked. */
  constructor(parts: ElfParts) {
    this.name = parts.name;
    this.header = parts.header;
    this.byteOrder = parts.header.byteOrder;
    this.sections = parts.table.sections;
    this.#symbolFields = parts.symbolTable.fields;
    this.symbolTableIndex = parts.symbolTable.sectionIndex;
    this.#bytes = parts.bytes;
    this.#reader = parts.reader;
    this.#tableOffset = parts.table.tableOffset;
    this.#relocationSections = parts.relocationSections;
    // Share the tables readElf already decoded from, so their name caches are reused.
    const { sectionNames, shstrndx } = parts.table;
    if (sectionNames) this.#stringTables.set(shstrndx, sectionNames);
    const symtab = parts.symbolTable;
    if (symtab.names && symtab.sectionIndex !== undefined) {
      this.#stringTables.set(parts.table.links[symtab.sectionIndex]!, symtab.names);
    }
  }

  /** Every symbol in table order, each made from its entry on the first ask of any. */
  get symbols(): readonly SymbolView[] {
    if (this.#symbols === undefined) {
      const fields = this.#symbolFields;
      const symbols: SymbolView[] = [];
      for (let index = 0; index < fields.count; index++) symbols.push(fields.symbol(index));
      this.#symbols = symbols.length === 0 ? noSymbols : symbols;
    }
    return this.#symbols;
  }

  /** The symbols field by field, for passes that keep a few (see SymbolFields in core). */
  get symbolFields(): SymbolFields {
    return this.#symbolFields;
  }

  /** The raw Elf64_Shdr fields of a section. */
  sectionHeader(index: number): SectionHeader {
    this.#checkIndex(index, 'sectionHeader');
    let header = this.#headers[index];
    if (!header) {
      header = sectionHeaderAt(this.#reader, this.#tableOffset, index);
      this.#headers[index] = header;
    }
    return header;
  }

  /** The first section with this name (names are not unique in ELF). */
  sectionByName(name: string): SectionView | undefined {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const section of this.sections) {
        if (!this.#byName.has(section.name)) this.#byName.set(section.name, section);
      }
    }
    return this.#byName.get(name);
  }

  /** Contents of a section: a view into the file, or fresh zeros for SHT_NOBITS (at most 1 GiB). */
  sectionData(sectionIndex: number): Uint8Array {
    const section = this.sections[this.#checkIndex(sectionIndex, 'sectionData')]!;
    if (section.type === SHT_NOBITS) {
      if (section.size > MAX_NOBITS_SIZE) {
        const h = this.sectionHeader(sectionIndex);
        fail(
          `NOBITS section of ${hex(section.size)} bytes is larger than the ${hex(MAX_NOBITS_SIZE)} this reader allocates`,
          {
            object: this.name,
            section: this.#label(sectionIndex),
            field: 'sh_size',
            byteOffset: h.headerOffset + SH_FIELD.sh_size,
          },
          'the section header is corrupt, or the program really needs more than 1 GiB of .bss',
        );
      }
      return new Uint8Array(section.size);
    }
    // a typed array made over the buffer, not subarray: V8 makes it in about half the time, and an
    // open asks for a section's data several times (readSectionTable checked the range)
    const bytes = this.#bytes;
    return new Uint8Array(bytes.buffer, bytes.byteOffset + section.offset, section.size);
  }

  /** Relocations of every SHT_REL/SHT_RELA section whose sh_info is this section, in section order. */
  relocationsFor(sectionIndex: number): readonly RelocationView[] {
    this.#checkIndex(sectionIndex, 'relocationsFor');
    const cached = this.#relocations.get(sectionIndex);
    if (cached) return cached;
    const sources = this.#relocationSections.get(sectionIndex);
    let result = noRelocations;
    if (sources) {
      const little = this.byteOrder === 'little';
      const lists = sources.map((source) =>
        readRelocations(
          this.#reader,
          this.sectionHeader(source),
          this.#label(source),
          this.#symbolFields.count,
          little,
          this.name,
        ),
      );
      result = lists.length === 1 ? lists[0]! : lists.flat();
    }
    this.#relocations.set(sectionIndex, result);
    return result;
  }

  /** Symbols defined in a section (st_shndx == index), in symbol-table order. */
  symbolsInSection(sectionIndex: number): readonly SymbolView[] {
    if (!this.#bySection) {
      this.#bySection = new Map();
      for (const symbol of this.symbols) {
        const list = this.#bySection.get(symbol.sectionIndex);
        if (list) list.push(symbol);
        else this.#bySection.set(symbol.sectionIndex, [symbol]);
      }
    }
    return this.#bySection.get(sectionIndex) ?? noSymbols;
  }

  /** The NUL-terminated string at `offset` in the SHT_STRTAB section `tableSectionIndex`. */
  stringAt(tableSectionIndex: number, offset: number): string {
    const index = this.#checkIndex(tableSectionIndex, 'stringAt');
    let table = this.#stringTables.get(index);
    if (!table) {
      const section = this.sections[index]!;
      if (section.type !== SHT_STRTAB) {
        fail(
          `section ${this.#label(index)} has type ${section.type}, not SHT_STRTAB`,
          {
            object: this.name,
            section: this.#label(index),
            field: 'sh_type',
            byteOffset: this.sectionHeader(index).headerOffset + SH_FIELD.sh_type,
          },
          'pass the index of a string table section',
        );
      }
      table = new StringTable(this.sectionData(index), this.#label(index), this.name);
      this.#stringTables.set(index, table);
    }
    const start = this.sections[index]!.offset;
    return table.at(offset, {
      field: 'string offset',
      byteOffset: start + (Number.isSafeInteger(offset) ? offset : 0),
      section: table.name,
    });
  }

  #checkIndex(index: number, operation: string): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.sections.length) {
      fail(
        `${operation}: section index ${index} is out of range: the file has ${this.sections.length} sections`,
        { object: this.name, field: 'section index' },
        'use an index from sections[] (reserved st_shndx values like SHN_ABS name no section)',
      );
    }
    return index;
  }

  #label(index: number): string {
    return this.sections[index]!.name || `[${index}]`;
  }
}
