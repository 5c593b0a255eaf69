import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfBuilder, encodeBtf } from './builder.js';
import { BYTE_ORDERS, loadFixture } from './test-support/elf.js';

describe.each(BYTE_ORDERS)('encoding btf_kinds.%s.o', (suffix, byteOrder) => {
  const original = loadFixture(`btf_kinds.${suffix}.o`).section('.BTF').data;
  const btf = parseBtf(original);

  it('reproduces the .BTF section byte for byte', () => {
    expect(Buffer.from(encodeBtf(btf)).equals(Buffer.from(original))).toBe(true);
  });

  it('writes the other byte order with the same types', () => {
    const other = byteOrder === 'little' ? 'big' : 'little';
    const swapped = parseBtf(encodeBtf(btf, other));
    expect(swapped.byteOrder).toBe(other);
    expect([...swapped]).toEqual([...btf]);
  });
});

describe('BtfBuilder', () => {
  it('builds BTF from scratch that parses back to the same types', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const u8 = b.addInt('unsigned char', 1);
    const arr = b.add({ kind: 'ARRAY', name: '', type: u8, indexType: int, length: 6 });
    const point = b.add({
      kind: 'STRUCT',
      name: 'point',
      size: 12,
      bitfieldOffsets: false,
      members: [
        { name: 'x', type: int, bitOffset: 0, bitfieldSize: 0 },
        { name: 'flag', type: int, bitOffset: 32, bitfieldSize: 1 },
        { name: 'mac', type: arr, bitOffset: 40, bitfieldSize: 0 },
      ],
    });
    const ptr = b.add({ kind: 'PTR', name: '', type: point });
    const proto = b.add({
      kind: 'FUNC_PROTO',
      name: '',
      returnType: int,
      params: [{ name: 'p', type: ptr }],
    });
    b.add({ kind: 'FUNC', name: 'handle', type: proto, linkage: 'global' });
    b.add({ kind: 'ENUM64', name: 'big', size: 8, signed: true, values: [{ name: 'NEG', value: -2n }] });
    const btf = b.build();
    expect(btf.typeCount).toBe(8);
    // a bitfield member makes the builder set kind_flag
    expect(btf.typeById(point)).toMatchObject({
      bitfieldOffsets: true,
      members: [{}, { bitfieldSize: 1, bitOffset: 32 }, {}],
    });
    expect(btf.formatType(7)).toBe('int handle(struct point *)');
    expect(btf.typeById(8)).toMatchObject({ values: [{ name: 'NEG', value: -2n }] });
    expect(btf.findByName('point')).toEqual([point]);
  });

  it('keeps string offsets of the table it started from and deduplicates new strings', () => {
    const btf = parseBtf(loadFixture('btf_kinds.bpfel.o').section('.BTF').data);
    const b = BtfBuilder.from(btf);
    const eventOffset = Buffer.from(btf.stringBytes).indexOf('\0event\0') + 1;
    expect(eventOffset).toBeGreaterThan(0);
    expect(b.addString('event')).toBe(eventOffset);
    const before = b.addString('a brand new string');
    expect(b.addString('a brand new string')).toBe(before);
    expect(before).toBe(btf.stringBytes.length);
    const rebuilt = b.build();
    expect(rebuilt.name(before)).toBe('a brand new string');
    expect([...rebuilt]).toEqual([...btf]);
  });

  it('edits a type in place through type(id)', () => {
    const btf = parseBtf(loadFixture('btf_kinds.bpfel.o').section('.BTF').data);
    const b = BtfBuilder.from(btf);
    const id = btf.findOne('color', 'ENUM');
    const color = b.type(id);
    if (color.kind !== 'ENUM') throw new Error('not an enum');
    color.values.push({ name: 'ALPHA', value: 3 });
    expect(b.build().typeById(id)).toMatchObject({ values: [{}, {}, {}, { name: 'ALPHA', value: 3 }] });
  });

  it('rejects values that do not fit their fields', () => {
    const b = new BtfBuilder();
    b.add({ kind: 'ENUM', name: 'e', size: 4, signed: false, values: [{ name: 'X', value: 2 ** 33 }] });
    expect(() => b.encode()).toThrow(/does not fit 32 bits/);
    const c = new BtfBuilder();
    c.add({ kind: 'PTR', name: '', type: -1 });
    expect(() => c.encode()).toThrow(/not a 32-bit unsigned integer/);
  });
});
