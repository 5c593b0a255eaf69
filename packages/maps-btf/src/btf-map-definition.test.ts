import { MapDefinitionError, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { readBtfMaps } from './btf-map-collector.js';
import { parseBtfMapDefinition } from './btf-map-definition.js';
import { DefinitionBuilder, syntheticObject } from './test-support/synthetic.js';

const strict = { strict: true, location: { object: 'synthetic.o', section: '.maps' } };

function parse(d: DefinitionBuilder, struct: number, options = strict) {
  return parseBtfMapDefinition(d.build(), struct, 'm', options);
}

function expectError(run: () => unknown, message: RegExp, field?: string) {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MapDefinitionError);
  expect((error as Error).message).toMatch(message);
  expect((error as MapDefinitionError).location).toMatchObject({
    object: 'synthetic.o',
    map: expect.stringMatching(/^m/),
  });
  if (field) expect((error as MapDefinitionError).location.field).toBe(field);
}

describe('parseBtfMapDefinition', () => {
  it('reads integer attributes as the length of the array their pointer points to', () => {
    const d = new DefinitionBuilder();
    const struct = d.struct([
      d.uint('type', MapType.HASH),
      d.uint('key_size', 4),
      d.uint('value_size', 12),
      d.uint('max_entries', 0xffffffff),
      d.uint('map_flags', 5),
      d.uint('numa_node', 1),
      d.uint('map_extra', 9),
    ]);
    expect(parse(d, struct)).toMatchObject({
      type: MapType.HASH,
      keySize: 4,
      valueSize: 12,
      maxEntries: 0xffffffff,
      flags: 5,
      numaNode: 1,
      mapExtra: 9n,
      unknownMembers: [],
    });
  });

  it('refuses a key type and key_size that disagree, in either order', () => {
    const d = new DefinitionBuilder();
    const first = d.struct([d.uint('type', MapType.HASH), d.type('key', d.u64), d.uint('key_size', 4)]);
    const second = d.struct([d.uint('type', MapType.HASH), d.uint('value_size', 4), d.type('value', d.u64)]);
    expectError(() => parse(d, first), /conflicting key size 8 != 4/, 'key_size');
    expectError(() => parse(d, second), /conflicting value size 4 != 8/, 'value');
  });

  it('refuses a definition without a map type', () => {
    const d = new DefinitionBuilder();
    expectError(() => parse(d, d.struct([d.uint('max_entries', 1)])), /map type isn't specified/);
  });

  it('refuses integer attributes and key types of the wrong shape', () => {
    const d = new DefinitionBuilder();
    const plainInt = d.struct([{ name: 'type', type: d.int, bitfieldSize: 0 }]);
    expectError(() => parse(d, plainInt), /attribute 'type' should be a PTR, got INT/, 'type');
    const pointerToInt = d.struct([d.type('type', d.int)]);
    expectError(() => parse(d, pointerToInt), /should point to an ARRAY, got INT/, 'type');
    const keyNotPointer = d.struct([d.uint('type', 1), { name: 'key', type: d.int, bitfieldSize: 0 }]);
    expectError(() => parse(d, keyNotPointer), /key spec is not a PTR: INT/, 'key');
    const voidKey = d.struct([d.uint('type', 1), d.type('key', 0)]);
    expectError(() => parse(d, voidKey), /cannot tell the key size/, 'key');
  });

  it('reads an integer attribute through typedefs and modifiers, as skip_mods_and_typedefs does', () => {
    const d = new DefinitionBuilder();
    const pointer = d.uint('max_entries', 42).type;
    const named = d.b.add({ kind: 'TYPEDEF', name: 'entries_t', type: pointer });
    const constant = d.b.add({ kind: 'CONST', name: '', type: named });
    const struct = d.struct([
      d.uint('type', MapType.ARRAY),
      { name: 'max_entries', type: constant, bitfieldSize: 0 },
    ]);
    expect(parse(d, struct).maxEntries).toBe(42);
    // a chain longer than the words are read straight for still resolves, the checked way
    let long = pointer;
    for (let i = 0; i < 12; i++) long = d.b.add({ kind: 'CONST', name: '', type: long });
    const deep = d.struct([
      d.uint('type', MapType.ARRAY),
      { name: 'max_entries', type: long, bitfieldSize: 0 },
    ]);
    expect(parse(d, deep).maxEntries).toBe(42);
  });

  it('refuses pinning values other than NONE and BY_NAME', () => {
    const d = new DefinitionBuilder();
    expectError(
      () => parse(d, d.struct([d.uint('type', 2), d.uint('pinning', 2)])),
      /invalid pinning value 2/,
      'pinning',
    );
  });

  it('refuses unknown members unless relaxed, then reports and keeps their names', () => {
    const d = new DefinitionBuilder();
    const struct = d.struct([d.uint('type', 2), d.uint('tc_class', 3)]);
    expectError(() => parse(d, struct), /unknown field 'tc_class'/, 'tc_class');
    const seen: string[] = [];
    const relaxed = {
      ...strict,
      strict: false,
      onUnknownMember: (map: string, member: string) => seen.push(`${map}.${member}`),
    };
    expect(parse(d, struct, relaxed).unknownMembers).toEqual(['tc_class']);
    expect(seen).toEqual(['m.tc_class']);
  });

  it('tells known members from names that share their length or their first bytes', () => {
    // names are matched in the string table's bytes: a near miss must still be an unknown member
    const nearMisses = ['map_flagz', 'numa_nodes', 'typ', 'keys', 'value_sizes', 'max_entrie', 'pinnings'];
    const d = new DefinitionBuilder();
    const struct = d.struct([d.uint('type', 2), ...nearMisses.map((name) => d.uint(name, 1))]);
    const relaxed = { ...strict, strict: false };
    expect(parse(d, struct, relaxed).unknownMembers).toEqual(nearMisses);
    const known = d.struct([
      d.uint('map_extra', 3),
      d.uint('numa_node', 2),
      d.uint('map_flags', 1),
      d.uint('type', 2),
    ]);
    expect(parse(d, known)).toMatchObject({ mapExtra: 3n, numaNode: 2, flags: 1, type: 2 });
  });

  it('reads values of a map-in-map as an inner definition and of a prog array as programs', () => {
    const d = new DefinitionBuilder();
    const inner = d.struct([d.uint('type', MapType.ARRAY), d.uint('max_entries', 2)], 'inner');
    const outer = d.struct([
      d.uint('type', MapType.HASH_OF_MAPS),
      d.uint('key_size', 4),
      d.array('values', inner),
    ]);
    const progs = d.struct([d.uint('type', MapType.PROG_ARRAY), d.array('values', d.funcProto())]);
    expect(parse(d, outer)).toMatchObject({
      valueSize: 4,
      values: 'maps',
      valuesOffset: 16,
      inner: { typeId: inner, type: MapType.ARRAY, maxEntries: 2 },
    });
    expect(parse(d, progs)).toMatchObject({ valueSize: 4, values: 'programs', valuesOffset: 8 });
  });

  it('refuses values that are not last, not on a map-in-map or prog array, or nested', () => {
    const d = new DefinitionBuilder();
    const inner = d.struct([d.uint('type', MapType.ARRAY)]);
    const notLast = d.struct([
      d.uint('type', MapType.ARRAY_OF_MAPS),
      d.array('values', inner),
      d.uint('max_entries', 1),
    ]);
    expectError(() => parse(d, notLast), /'values' member should be last/, 'values');
    const wrongType = d.struct([d.uint('type', MapType.HASH), d.array('values', inner)]);
    expectError(() => parse(d, wrongType), /needs a map-in-map or prog-array/, 'values');
    const middle = d.struct([d.uint('type', MapType.ARRAY_OF_MAPS), d.array('values', inner)]);
    const nested = d.struct([d.uint('type', MapType.ARRAY_OF_MAPS), d.array('values', middle)]);
    expectError(() => parse(d, nested), /multi-level inner maps are not supported/);
    const pinnedInner = d.struct([d.uint('type', MapType.ARRAY), d.uint('pinning', 1)]);
    const outer = d.struct([d.uint('type', MapType.ARRAY_OF_MAPS), d.array('values', pinnedInner)]);
    expectError(() => parse(d, outer), /inner map definition cannot be pinned/);
    const progToStruct = d.struct([d.uint('type', MapType.PROG_ARRAY), d.array('values', inner)]);
    expectError(() => parse(d, progToStruct), /prog-array value def is of unexpected kind STRUCT/);
    const wrongSize = d.struct([
      d.uint('type', MapType.PROG_ARRAY),
      d.uint('value_size', 8),
      d.array('values', d.funcProto()),
    ]);
    expectError(() => parse(d, wrongSize), /conflicting value size 8 != 4/);
  });
});

describe('readBtfMaps on definitions built in code', () => {
  it('refuses static maps and DATASEC entries that are no struct', () => {
    const d = new DefinitionBuilder();
    const struct = d.struct([d.uint('type', MapType.ARRAY)]);
    const { file, btf, section } = syntheticObject(d, [{ name: 'm', struct, linkage: 'static' }]);
    expect(() => readBtfMaps(file, section, btf)).toThrow(/map 'm': unsupported map linkage static/);

    const e = new DefinitionBuilder();
    const notStruct = e.b.add({ kind: 'TYPEDEF', name: 'word', type: e.u64 });
    const bad = syntheticObject(e, [{ name: 'm', struct: notStruct, size: 8 }]);
    expect(() => readBtfMaps(bad.file, bad.section, bad.btf)).toThrow(/unexpected def kind INT/);
  });

  it('refuses a map that lies past the end of its section', () => {
    const d = new DefinitionBuilder();
    const { file, btf, section } = syntheticObject(d, [{ name: 'm', struct: d.struct([d.uint('type', 2)]) }]);
    expect(() => readBtfMaps(file, { ...section, size: 4 }, btf)).toThrow(/lies past the end of the section/);
  });

  /** inner_m at 0..8, outer at 8..32 with values at 24, plain at 32..48. */
  function mapInMapObject(
    outerType: number,
    keySize: number,
    relocations: { offset: number; symbol: string }[],
  ) {
    const d = new DefinitionBuilder();
    const inner = d.struct([d.uint('type', MapType.ARRAY)]);
    const outer = d.struct([
      d.uint('type', outerType),
      d.uint('key_size', keySize),
      d.array('values', inner),
    ]);
    const plain = d.struct([d.uint('type', MapType.ARRAY), d.uint('max_entries', 1)]);
    const maps = [
      { name: 'inner_m', struct: inner },
      { name: 'outer', struct: outer },
      { name: 'plain', struct: plain },
    ];
    const { file, section, btf } = syntheticObject(d, maps, relocations);
    return () => readBtfMaps(file, section, btf);
  }

  it('accepts a slot relocation on values and keeps the last one written to a slot', () => {
    const read = mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [
      { offset: 32 - 8, symbol: 'plain' },
      { offset: 24, symbol: 'inner_m' },
    ]);
    expect(read()[1]!.contents).toEqual([{ key: new Uint8Array(4), ref: { kind: 'map', name: 'inner_m' } }]);
  });

  it('refuses slots outside values, slots pointing to non-maps, and hash-of-maps keys other than 4 bytes', () => {
    expect(mapInMapObject(MapType.HASH_OF_MAPS, 8, [{ offset: 24, symbol: 'inner_m' }])).toThrow(
      /should have key size 4/,
    );
    expect(mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [{ offset: 24, symbol: 'prog' }])).toThrow(
      /'prog' isn't a BTF-defined map/,
    );
    expect(mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [{ offset: 16, symbol: 'inner_m' }])).toThrow(
      /not on a 'values' slot/,
    );
    expect(mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [{ offset: 32, symbol: 'inner_m' }])).toThrow(
      /outside a 'values' member/,
    );
    expect(mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [{ offset: 44, symbol: 'inner_m' }])).toThrow(
      /no map holds/,
    );
  });

  it('says which relocation, map and symbol a refused slot is', () => {
    const read = mapInMapObject(MapType.ARRAY_OF_MAPS, 4, [
      { offset: 24, symbol: 'inner_m' },
      { offset: 24, symbol: 'prog' },
    ]);
    expect(read).toThrow(MapDefinitionError);
    expect(read).toThrow(
      expect.objectContaining({
        location: expect.objectContaining({
          map: 'outer',
          symbol: 'prog',
          field: 'relocation #1',
          byteOffset: 24,
        }),
      }),
    );
  });

  /** A PROG_ARRAY of 4 slots (values from byte 16 of its 48-byte variable) and its relocations. */
  function progArrayObject(relocations: { offset: number; symbol: string }[]) {
    const d = new DefinitionBuilder();
    const table = d.struct([
      d.uint('type', MapType.PROG_ARRAY),
      d.uint('max_entries', 4),
      d.array('values', d.funcProto()),
    ]);
    const { file, section, btf } = syntheticObject(
      d,
      [{ name: 'table', struct: table, size: 48 }],
      relocations,
    );
    return () => readBtfMaps(file, section, btf);
  }

  it('puts programs in prog array slots and refuses data there', () => {
    const build = (symbol: string) => progArrayObject([{ offset: 16 + 8, symbol }]);
    const key = new Uint8Array([1, 0, 0, 0]);
    expect(build('prog')()[0]!.contents).toEqual([{ key, ref: { kind: 'program', name: 'prog' } }]);
    expect(build('table')).toThrow(/'table' isn't a program/);
  });

  it('lists initial slots in slot order whatever order their relocations come in', () => {
    // slots 3, 0 and 2, in that order
    const read = progArrayObject([40, 16, 32].map((offset) => ({ offset, symbol: 'prog' })));
    expect(read()[0]!.contents!.map((entry) => entry.key[0])).toEqual([0, 2, 3]);
  });
});
