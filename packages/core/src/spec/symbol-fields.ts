import { UsageError } from '../errors.js';
import type { ObjectFileView, SymbolView } from './object-file.js';

/**
 * The symbol table field by field, for the passes over every symbol that keep a few of them. An
 * object holds tens of symbols an open never names (clang's LBB labels, file and section
 * symbols), and an object per symbol with its name decoded was a tenth of an open. elf-reader's
 * ElfFile answers from its Elf64_Sym entries in place; `symbolFieldsOf` gives any other view one
 * over its `symbols`. Indices run from 0 to `count - 1`, as in `ObjectFileView.symbols`; any other
 * is a UsageError.
 */
export interface SymbolFields {
  readonly count: number;
  /** STT_* of symbol `index` */
  type(index: number): number;
  /** STB_* */
  bind(index: number): number;
  /** STV_* */
  visibility(index: number): number;
  /** st_shndx (the extended index where the table has SHT_SYMTAB_SHNDX) */
  sectionIndex(index: number): number;
  /** The whole symbol, `symbols[index]`: made on the first ask, then the same object. */
  symbol(index: number): SymbolView;
  /**
   * Indices of the symbols of STT_* `type`, ascending: an open's passes over functions and
   * variables each read a few of tens of symbols. Optional; `symbolsOfType` answers for any fields.
   */
  ofType?(type: number): readonly number[];
}

/**
 * Indices of the symbols of STT_* `type`, ascending: the fields' own `ofType` where they have
 * one (elf-reader's sorts the whole table by type in one pass, once), else a pass over them.
 */
export function symbolsOfType(fields: SymbolFields, type: number): readonly number[] {
  if (fields.ofType !== undefined) return fields.ofType(type);
  const indices: number[] = [];
  for (let index = 0; index < fields.count; index++) if (fields.type(index) === type) indices.push(index);
  return indices;
}

/** Fields over a view's `symbols` array, for views that bring none of their own (tests, plugins). */
class ArraySymbolFields implements SymbolFields {
  readonly #symbols: readonly SymbolView[];

  constructor(symbols: readonly SymbolView[]) {
    this.#symbols = symbols;
  }

  get count(): number {
    return this.#symbols.length;
  }

  type(index: number): number {
    return this.symbol(index).type;
  }

  bind(index: number): number {
    return this.symbol(index).bind;
  }

  visibility(index: number): number {
    return this.symbol(index).visibility;
  }

  sectionIndex(index: number): number {
    return this.symbol(index).sectionIndex;
  }

  symbol(index: number): SymbolView {
    const symbol = this.#symbols[index];
    // undefined also for a negative or fractional index: an array has no such element
    if (symbol === undefined) {
      throw new UsageError(`symbol index ${index} is outside the table of ${this.count} symbols`, {
        hint: 'ask for indices 0 to count - 1',
      });
    }
    return symbol;
  }
}

const adapted = new WeakMap<ObjectFileView, SymbolFields>();

/** The view's symbol fields: its own where it has them, else fields over its `symbols` (made once per view). */
export function symbolFieldsOf(file: ObjectFileView): SymbolFields {
  const own = file.symbolFields;
  if (own !== undefined) return own;
  let fields = adapted.get(file);
  if (fields === undefined) {
    fields = new ArraySymbolFields(file.symbols);
    adapted.set(file, fields);
  }
  return fields;
}

/** Symbol `index` of the view (a relocation's r_sym), or undefined past its symbol table. */
export function symbolAt(file: ObjectFileView, index: number): SymbolView | undefined {
  const fields = symbolFieldsOf(file);
  return index >= 0 && index < fields.count ? fields.symbol(index) : undefined;
}
