import { type Btf, BtfBuilder } from '@bpfkit/btf';
import { describe, expect, it } from 'vitest';
import { mapDefinitionMismatch, typeMismatch } from './btf-compat.js';

/** BTF with an int, a long, a struct s { int a; }, a FWD s, and `int *`/`struct s *`/`fwd s *`. */
function common(builder = new BtfBuilder()) {
  const int = builder.addInt('int', 4, { signed: true });
  const long = builder.addInt('long', 8, { signed: true });
  const struct = builder.add({
    kind: 'STRUCT',
    name: 's',
    size: 4,
    bitfieldOffsets: false,
    members: [{ name: 'a', type: int, bitOffset: 0, bitfieldSize: 0 }],
  });
  const fwd = builder.add({ kind: 'FWD', name: 's', fwdKind: 'struct' });
  const ptrStruct = builder.add({ kind: 'PTR', name: '', type: struct });
  const ptrFwd = builder.add({ kind: 'PTR', name: '', type: fwd });
  const constInt = builder.add({ kind: 'CONST', name: '', type: int });
  return { builder, int, long, struct, fwd, ptrStruct, ptrFwd, constInt };
}

/** A `.maps` definition: __uint(type, T), __type(key, K), __uint(max_entries, N), in the given order. */
function mapDef(builder: BtfBuilder, int: number, fields: [string, number | { type: number }][]) {
  const index = builder.addInt('__ARRAY_SIZE_TYPE__', 4);
  const members = fields.map(([name, value], i) => {
    const pointee =
      typeof value === 'number'
        ? builder.add({ kind: 'ARRAY', name: '', type: int, indexType: index, length: value })
        : value.type;
    return {
      name,
      type: builder.add({ kind: 'PTR', name: '', type: pointee }),
      bitOffset: i * 64,
      bitfieldSize: 0,
    };
  });
  return builder.add({ kind: 'STRUCT', name: '', size: fields.length * 8, bitfieldOffsets: false, members });
}

const ref = (btf: Btf, id: number) => ({ btf, id });

describe('typeMismatch (libbpf glob_sym_btf_matches)', () => {
  it('looks through modifiers, and lets a pointer to a FWD match a pointer to the struct', () => {
    const t = common();
    const btf = t.builder.build();
    expect(typeMismatch(ref(btf, t.constInt), ref(btf, t.int))).toBeUndefined();
    expect(typeMismatch(ref(btf, t.ptrFwd), ref(btf, t.ptrStruct))).toBeUndefined();
    expect(typeMismatch(ref(btf, t.fwd), ref(btf, t.struct))).toBe('kinds differ: FWD and STRUCT');
    expect(typeMismatch(ref(btf, t.int), ref(btf, t.long))).toBe('sizes differ: 4 and 8 bytes');
  });

  it('compares prototypes: parameter count, parameter types, return type', () => {
    const t = common();
    const proto = (ret: number, ...params: number[]) =>
      t.builder.add({
        kind: 'FUNC_PROTO',
        name: '',
        returnType: ret,
        params: params.map((type) => ({ name: '', type })),
      });
    const func = (name: string, type: number) =>
      t.builder.add({ kind: 'FUNC', name, type, linkage: 'global' });
    const f1 = func('f', proto(t.int, t.int));
    const f2 = func('f', proto(t.int, t.constInt));
    const f3 = func('f', proto(t.int, t.long));
    const f4 = func('f', proto(t.long, t.int));
    const f5 = func('f', proto(t.int, t.int, t.int));
    const btf = t.builder.build();
    expect(typeMismatch(ref(btf, f1), ref(btf, f2))).toBeUndefined();
    expect(typeMismatch(ref(btf, f1), ref(btf, f3))).toBe('parameter 1: sizes differ: 4 and 8 bytes');
    expect(typeMismatch(ref(btf, f1), ref(btf, f4))).toBe('sizes differ: 4 and 8 bytes');
    expect(typeMismatch(ref(btf, f1), ref(btf, f5))).toBe('incompatible number of parameters: 1 and 2');
  });
});

describe('mapDefinitionMismatch (libbpf glob_map_defs_match)', () => {
  it('accepts the same attributes in another order, and names the attribute that differs', () => {
    const t = common();
    const a = mapDef(t.builder, t.int, [
      ['type', 2],
      ['key', { type: t.int }],
      ['max_entries', 16],
    ]);
    const b = mapDef(t.builder, t.int, [
      ['max_entries', 16],
      ['type', 2],
      ['key', { type: t.constInt }],
    ]);
    const c = mapDef(t.builder, t.int, [
      ['type', 2],
      ['key', { type: t.int }],
      ['max_entries', 8],
    ]);
    const d = mapDef(t.builder, t.int, [
      ['type', 2],
      ['key', { type: t.long }],
      ['max_entries', 16],
    ]);
    const e = mapDef(t.builder, t.int, [
      ['type', 2],
      ['max_entries', 16],
    ]);
    const btf = t.builder.build();
    expect(mapDefinitionMismatch(ref(btf, a), ref(btf, b))).toBeUndefined();
    expect(mapDefinitionMismatch(ref(btf, a), ref(btf, c))).toBe(
      "map attribute 'max_entries' is 16 in one and 8 in the other",
    );
    expect(mapDefinitionMismatch(ref(btf, a), ref(btf, d))).toBe(
      "map attribute 'key': sizes differ: 4 and 8 bytes",
    );
    expect(mapDefinitionMismatch(ref(btf, a), ref(btf, e))).toBe(
      "map attribute 'key' is set in only one definition",
    );
  });
});
