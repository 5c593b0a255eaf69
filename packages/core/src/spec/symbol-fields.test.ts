import { describe, expect, it } from 'vitest';
import type { ObjectFileView, SymbolView } from './object-file.js';
import { type SymbolFields, symbolAt, symbolFieldsOf, symbolsOfType } from './symbol-fields.js';

const symbol = (
  index: number,
  name: string,
  type: number,
  bind: number,
  sectionIndex: number,
): SymbolView => ({
  index,
  name,
  value: 0n,
  size: 0n,
  type,
  bind,
  visibility: index % 3,
  sectionIndex,
});

/** A view as a plugin or test builds one: symbols as an array, no fields of its own. */
function plainView(symbols: SymbolView[]): ObjectFileView {
  return {
    name: 'plain.o',
    byteOrder: 'little',
    sections: [],
    symbols,
    relocationsFor: () => [],
    sectionData: () => new Uint8Array(0),
  };
}

describe('symbolFieldsOf', () => {
  const symbols = [symbol(0, '', 0, 0, 0), symbol(1, 'prog', 2, 1, 3), symbol(2, 'counter', 1, 2, 4)];

  it('answers a view without fields of its own from its symbols, one adapter per view', () => {
    const view = plainView(symbols);
    const fields = symbolFieldsOf(view);
    expect(fields.count).toBe(3);
    expect(
      symbols.map((s) => [fields.type(s.index), fields.bind(s.index), fields.visibility(s.index)]),
    ).toEqual([
      [0, 0, 0],
      [2, 1, 1],
      [1, 2, 2],
    ]);
    expect(fields.sectionIndex(2)).toBe(4);
    expect(fields.symbol(1)).toBe(symbols[1]);
    expect(symbolFieldsOf(view)).toBe(fields);
    expect(() => fields.bind(3)).toThrow('symbol index 3 is outside the table of 3 symbols');
    expect(symbolFieldsOf(plainView(symbols))).not.toBe(fields);
  });

  it('lists the symbols of one type in table order, through the fields own ofType where they have one', () => {
    const fields = symbolFieldsOf(plainView([...symbols, symbol(3, 'helper', 2, 0, 3)]));
    expect(symbolsOfType(fields, 2)).toEqual([1, 3]);
    expect(symbolsOfType(fields, 1)).toEqual([2]);
    expect(symbolsOfType(fields, 4)).toEqual([]);
    // fields of its own that answer ofType are asked, not scanned
    const sorted: SymbolFields = {
      count: 4,
      type: () => 0,
      bind: () => 0,
      visibility: () => 0,
      sectionIndex: () => 0,
      symbol: (index) => symbols[index]!,
      ofType: (type) => (type === 2 ? [3] : []),
    };
    expect(symbolsOfType(sorted, 2)).toEqual([3]);
  });

  it("uses the view's own fields when it has them", () => {
    const own: SymbolFields = {
      count: 1,
      type: () => 2,
      bind: () => 1,
      visibility: () => 0,
      sectionIndex: () => 3,
      symbol: () => symbols[1]!,
    };
    expect(symbolFieldsOf({ ...plainView([]), symbolFields: own })).toBe(own);
  });
});

describe('symbolAt', () => {
  it('answers the symbol a relocation names, and undefined past either end of the table', () => {
    const view = plainView([symbol(0, '', 0, 0, 0), symbol(1, 'map', 1, 1, 2)]);
    expect(symbolAt(view, 1)?.name).toBe('map');
    expect(symbolAt(view, 2)).toBeUndefined();
    expect(symbolAt(view, -1)).toBeUndefined();
  });
});
