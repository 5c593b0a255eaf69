import { BtfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { type Btf, parseBtf } from './btf.js';
import { BtfBuilder } from './builder.js';
import { BtfKindNumber } from './constants.js';
import { BYTE_ORDERS, loadFixture } from './test-support/elf.js';

/** A base with `struct pair { int a; int b; }` and `int[3]`, for split BTF built on top of it. */
function pairBase(): { base: Btf; int: number; pair: number; array: number } {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, { signed: true });
  const pair = b.add({
    kind: 'STRUCT',
    name: 'pair',
    size: 8,
    bitfieldOffsets: false,
    members: [
      { name: 'a', type: int, bitOffset: 0, bitfieldSize: 0 },
      { name: 'b', type: int, bitOffset: 32, bitfieldSize: 0 },
    ],
  });
  const array = b.add({ kind: 'ARRAY', name: '', type: int, indexType: int, length: 3 });
  return { base: b.build(), int, pair, array };
}

/**
 * Split BTF as a kernel module's: one TYPEDEF `pair_t` to the base's struct and one CONST of an
 * array of 2 of it, with type ids and string offsets continuing after the base's.
 */
function splitOn(base: Btf, pair: number): Btf {
  const words = [
    // [base + 1] TYPEDEF pair_t -> pair
    base.stringsLength,
    BtfKindNumber.TYPEDEF << 24,
    pair,
    // [base + 2] ARRAY pair_t[2]
    0,
    BtfKindNumber.ARRAY << 24,
    0,
    base.typeCount + 1,
    1,
    2,
    // [base + 3] CONST -> [base + 2]
    0,
    BtfKindNumber.CONST << 24,
    base.typeCount + 2,
  ];
  const strings = new TextEncoder().encode('pair_t\0');
  const bytes = new Uint8Array(24 + words.length * 4 + strings.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xeb9f, true);
  view.setUint8(2, 1);
  view.setUint32(4, 24, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, words.length * 4, true);
  view.setUint32(16, words.length * 4, true);
  view.setUint32(20, strings.length, true);
  for (const [i, word] of words.entries()) view.setUint32(24 + i * 4, word, true);
  bytes.set(strings, 24 + words.length * 4);
  return parseBtf(bytes, { base });
}

describe('raw type accessors', () => {
  it.each(BYTE_ORDERS)('agree with the decoded types of btf_kinds.%s.o', (suffix) => {
    const btf = parseBtf(loadFixture(`btf_kinds.${suffix}.o`).section('.BTF').data);
    for (const type of btf) {
      const id = type.id;
      expect(btf.kindNumberOf(id)).toBe(BtfKindNumber[type.kind]);
      expect(btf.name(btf.nameOffsetOf(id))).toBe(type.name);
      expect(btf.nameEquals(btf.nameOffsetOf(id), type.name)).toBe(true);
      expect(btf.nameEquals(btf.nameOffsetOf(id), `${type.name}x`)).toBe(false);
      // compareName: 1 for the name, -1 for an empty one whatever the text, 0 for another name
      expect(btf.compareName(btf.nameOffsetOf(id), type.name || 'x')).toBe(type.name === '' ? -1 : 1);
      expect(btf.compareName(btf.nameOffsetOf(id), `${type.name}x`)).toBe(type.name === '' ? -1 : 0);
      if ('size' in type) expect(btf.sizeOrTypeOf(id)).toBe(type.size);
      if ('type' in type && type.kind !== 'ARRAY') expect(btf.sizeOrTypeOf(id)).toBe(type.type);
      if (type.kind === 'STRUCT' || type.kind === 'UNION') expect(btf.vlenOf(id)).toBe(type.members.length);
    }
  });

  it('read base types through split BTF', () => {
    const { base, pair } = pairBase();
    const split = splitOn(base, pair);
    expect(split.typeHolder(pair)).toBe(base);
    expect(split.typeHolder(base.typeCount + 1)).toBe(split);
    expect(split.kindNumberOf(pair)).toBe(BtfKindNumber.STRUCT);
    expect(split.vlenOf(pair)).toBe(2);
    expect(split.sizeOrTypeOf(pair)).toBe(8);
    expect(split.nameEquals(split.nameOffsetOf(pair), 'pair')).toBe(true);
    expect(split.nameEquals(split.nameOffsetOf(base.typeCount + 1), 'pair_t')).toBe(true);
    expect(split.nameEquals(split.nameOffsetOf(base.typeCount + 1), 'pair')).toBe(false);
    expect(split.compareName(split.nameOffsetOf(pair), 'pair')).toBe(1);
    expect(split.compareName(split.nameOffsetOf(pair), 'pai')).toBe(0);
    expect(split.compareName(0, 'pair')).toBe(-1);
    expect(split.compareName(split.nameOffsetOf(base.typeCount + 1), 'pair_t')).toBe(1);
  });
});

describe('skipModsAndTypedefs and resolveSize', () => {
  it('follow typedefs and modifiers across split BTF into the base', () => {
    const { base, pair, array } = pairBase();
    const split = splitOn(base, pair);
    const typedef = base.typeCount + 1;
    const constArray = base.typeCount + 3;
    expect(split.skipModsAndTypedefs(typedef)).toBe(pair);
    expect(split.skipModsAndTypedefs(constArray)).toBe(base.typeCount + 2);
    expect(split.resolveSize(typedef)).toBe(8);
    expect(split.resolveSize(constArray)).toBe(16);
    expect(split.resolveSize(array)).toBe(12);
    // answered again from the per-Btf memo, unchanged
    expect(split.resolveSize(constArray)).toBe(16);
  });

  it('report sizeless types and void each time they are asked', () => {
    const b = new BtfBuilder();
    const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
    const btf = b.build();
    expect(() => btf.resolveSize(proto)).toThrow(/FUNC_PROTO has no size/);
    expect(() => btf.resolveSize(proto)).toThrow(BtfError);
    expect(btf.skipModsAndTypedefs(0)).toBe(0);
  });

  it('throw the decoder error for a reference past the last type in unvalidated BTF', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const typedef = b.add({ kind: 'TYPEDEF', name: 't', type: int });
    const bytes = b.encode('little');
    // point the typedef at type 99: only a parse without validation lets it through
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const typeStart = 24 + view.getUint32(8, true);
    const at = typeStart + 16 + 8; // INT record is 16 bytes; the typedef's third word
    expect(view.getUint32(at, true)).toBe(int);
    view.setUint32(at, 99, true);
    const btf = parseBtf(bytes, { validate: false });
    expect(() => btf.skipModsAndTypedefs(typedef)).toThrow(/refers to type 99/);
    expect(() => btf.resolveSize(typedef)).toThrow(/refers to type 99/);
  });
});
