import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfBuilder } from './builder.js';

/** BTF of `before` INTs, one STRUCT of `members` members, then `after` INTs. */
function btfAround(before: number, members: number, after: number) {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, { signed: true });
  for (let i = 1; i < before; i++) b.addInt(`before_${i}`, 4);
  const wide = b.add({
    kind: 'STRUCT',
    name: 'wide',
    size: members * 4,
    bitfieldOffsets: false,
    members: Array.from({ length: members }, (_, i) => ({
      name: `m${i}`,
      type: int,
      bitOffset: i * 32,
      bitfieldSize: 0,
    })),
  });
  for (let i = 0; i < after; i++) b.addInt(`after_${i}`, 8);
  return { bytes: b.build().bytes, wide, last: before + 1 + after };
}

describe('the type index', () => {
  it('finds every type of a section short enough for 16-bit word indices', () => {
    const { bytes, wide, last } = btfAround(10, 100, 10);
    const btf = parseBtf(bytes);
    expect(btf.typeCount).toBe(last);
    expect(btf.typeName(wide)).toBe('wide');
    expect(btf.typeById(last)).toMatchObject({ kind: 'INT', name: 'after_9', size: 8 });
  });

  it('finds every type of a section past 2^16 words, grouped under 32-bit bases', () => {
    // 30,000 INTs (4 words each) put most types past word 65,536
    const { bytes, wide, last } = btfAround(30_000, 50, 30_000);
    const btf = parseBtf(bytes);
    expect(btf.typeCount).toBe(last);
    expect(btf.typeName(1)).toBe('int');
    expect(btf.typeName(30_000)).toBe('before_29999');
    expect(btf.typeById(wide)).toMatchObject({ kind: 'STRUCT', name: 'wide' });
    expect(btf.typeName(last)).toBe('after_29999');
    expect(btf.findByName('after_12345')).toEqual([wide + 12_346]);
    expect(btf.recordOffset(last) - btf.recordOffset(last - 1)).toBe(16);
  });

  it('keeps whole 32-bit offsets when a group of types spans more than 2^16 words', () => {
    // a struct of 25,000 members is 75,003 words: the group holding it spans past 16 bits
    const { bytes, wide, last } = btfAround(40, 25_000, 40);
    const btf = parseBtf(bytes);
    expect(btf.typeCount).toBe(last);
    expect(btf.vlenOf(wide)).toBe(25_000);
    expect(btf.recordOffset(wide + 1) - btf.recordOffset(wide)).toBe(75_003 * 4);
    expect(btf.typeById(wide + 1)).toMatchObject({ kind: 'INT', name: 'after_0' });
    expect(btf.typeById(last)).toMatchObject({ kind: 'INT', name: 'after_39' });
    expect([...btf].map((t) => t.name).slice(-2)).toEqual(['after_38', 'after_39']);
  });

  it('answers lookups of a long section in any order, from groups filled on demand', () => {
    const { bytes, wide, last } = btfAround(30_000, 50, 30_000);
    // every offset looked up in id order, then again from a fresh parse in another order
    const inOrder = parseBtf(bytes);
    const offsets = Array.from({ length: last }, (_, i) => inOrder.recordOffset(i + 1));
    const lazy = parseBtf(bytes);
    // last group first, then backwards with a stride that lands in every group
    for (let id = last; id >= 1; id -= 7) expect(lazy.recordOffset(id)).toBe(offsets[id - 1]);
    expect(lazy.typeById(wide)).toMatchObject({ kind: 'STRUCT', name: 'wide' });
    for (let id = 1; id <= last; id++) expect(lazy.recordOffset(id)).toBe(offsets[id - 1]);
  });

  it('lists every type of one name in ascending id order', () => {
    const b = new BtfBuilder();
    const ids: number[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(b.addInt(i % 5_000 === 7 ? 'twin' : `int_${i}`, 4));
    const btf = parseBtf(b.build().bytes);
    expect(btf.findByName('twin')).toEqual([ids[7], ids[5_007], ids[10_007], ids[15_007]]);
  });

  it('indexes validated and structural parses alike', () => {
    const { bytes } = btfAround(3_000, 20_000, 3_000);
    const validated = parseBtf(bytes);
    const structural = parseBtf(bytes, { validate: false });
    for (const id of [1, 2_999, 3_000, 3_001, 6_000]) {
      expect(structural.recordOffset(id)).toBe(validated.recordOffset(id));
    }
  });
});

describe('the DATASECs a validating parse notes', () => {
  it('are the ones a walk of every record finds, in id order', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const vars = ['a', 'b', 'c'].map((name) => b.add({ kind: 'VAR', name, type: int, linkage: 'global' }));
    const sections = ['.data', '.bss', 'license'].map((name, i) => {
      b.addInt(`between_${i}`, 8);
      return b.add({ kind: 'DATASEC', name, size: 4, vars: [{ type: vars[i]!, offset: 0, size: 4 }] });
    });
    const { bytes } = b.build();
    const validated = parseBtf(bytes);
    // without validation the parse notes nothing, and ownIdsOfKind walks every record
    const walked = parseBtf(bytes, { validate: false });
    expect(validated.ownIdsOfKind(15)).toEqual(sections);
    expect(walked.ownIdsOfKind(15)).toEqual(sections);
  });
});
