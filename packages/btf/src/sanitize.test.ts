import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfBuilder } from './builder.js';
import { sanitizeBtf } from './sanitize.js';
import { loadFixture } from './test-support/elf.js';
import type { BtfType } from './types.js';

const btf = parseBtf(loadFixture('btf_kinds.bpfel.o').section('.BTF').data);
const ofKind = (source: typeof btf, kind: BtfType['kind']) => [...source].filter((t) => t.kind === kind);

describe('sanitizeBtf', () => {
  it('returns the same Btf when the kernel supports everything', () => {
    expect(sanitizeBtf(btf, {})).toBe(btf);
    expect(sanitizeBtf(btf, { enum64: true, float: true })).toBe(btf);
  });

  it('turns VAR into a 1-byte INT and DATASEC into a STRUCT of its variables without datasec support', () => {
    const out = sanitizeBtf(btf, { datasec: false });
    expect(ofKind(out, 'VAR')).toEqual([]);
    expect(ofKind(out, 'DATASEC')).toEqual([]);
    const rodataId = btf.findOne('.rodata', 'DATASEC');
    expect(out.typeById(rodataId)).toMatchObject({
      kind: 'STRUCT',
      name: '_rodata',
      members: [
        { name: 'config', type: btf.findOne('config', 'VAR'), bitOffset: 0 },
        { name: 'threshold', type: btf.findOne('threshold', 'VAR'), bitOffset: 0 },
      ],
    });
    expect(out.typeById(btf.findOne('config', 'VAR'))).toMatchObject({
      kind: 'INT',
      name: 'config',
      size: 1,
      bits: 8,
    });
    expect(out.typeCount).toBe(btf.typeCount);
  });

  it('turns FUNC into TYPEDEF and FUNC_PROTO into ENUM without func support', () => {
    const out = sanitizeBtf(btf, { btfFunc: false });
    const funcId = btf.findOne('xdp_prog', 'FUNC');
    expect(out.typeById(funcId)).toMatchObject({ kind: 'TYPEDEF', name: 'xdp_prog' });
    const func = btf.typeById(funcId);
    if (func.kind !== 'FUNC') throw new Error('not a FUNC');
    const proto = btf.typeById(func.type);
    if (proto.kind !== 'FUNC_PROTO') throw new Error('not a FUNC_PROTO');
    // libbpf keeps each parameter as an enumerator: its name, and its type id as the value
    expect(out.typeById(func.type)).toMatchObject({
      kind: 'ENUM',
      size: 4,
      values: [{ name: 'ctx', value: proto.params[0]!.type }],
    });
    expect(btf.formatType(proto.params[0]!.type)).toBe('struct xdp_md *');
  });

  it('makes global functions static without global func support', () => {
    const out = sanitizeBtf(btf, { funcGlobal: false });
    expect(ofKind(out, 'FUNC').map((t) => (t as { linkage: string }).linkage)).toEqual(
      ofKind(btf, 'FUNC').map(() => 'static'),
    );
  });

  it('replaces FLOAT, TYPE_TAG and DECL_TAG as libbpf does', () => {
    const out = sanitizeBtf(btf, { float: false, typeTag: false, declTag: false });
    const floatId = btf.findOne('double', 'FLOAT');
    expect(out.typeById(floatId)).toMatchObject({ kind: 'STRUCT', name: '', size: 8, members: [] });
    const tagId = btf.findOne('user', 'TYPE_TAG');
    expect(out.typeById(tagId)).toMatchObject({ kind: 'CONST', name: '', type: btf.findOne('int', 'INT') });
    expect(out.typeById(btf.findOne('struct_tag', 'DECL_TAG'))).toMatchObject({ kind: 'INT', size: 1 });
    expect(ofKind(out, 'FLOAT')).toEqual([]);
  });

  it('turns ENUM64 into a UNION of one placeholder INT and clears enum signedness without enum64', () => {
    const out = sanitizeBtf(btf, { enum64: false });
    expect(out.typeCount).toBe(btf.typeCount + 1);
    expect(out.typeById(out.typeCount)).toMatchObject({
      kind: 'INT',
      name: 'enum64_placeholder',
      size: 1,
      bits: 8,
    });
    expect(out.typeById(btf.findOne('wide', 'ENUM64'))).toMatchObject({
      kind: 'UNION',
      size: 8,
      members: [
        { name: 'WIDE_SMALL', type: out.typeCount, bitOffset: 0 },
        { name: 'WIDE_BIG', type: out.typeCount, bitOffset: 0 },
      ],
    });
    expect(out.typeById(btf.findOne('delta', 'ENUM'))).toMatchObject({
      signed: false,
      values: [{ value: 2 ** 32 - 1 }, {}, {}],
    });
  });

  it("renames a '?' DATASEC without qmark support", () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const v = b.add({ kind: 'VAR', name: 'x', type: int, linkage: 'global' });
    b.add({ kind: 'DATASEC', name: '?.data.opt', size: 4, vars: [{ type: v, offset: 0, size: 4 }] });
    const out = sanitizeBtf(b.build(), { qmarkDatasec: false });
    expect(out.typeName(3)).toBe('_.data.opt');
  });

  it("renames a BCC section DATASEC ('maps/array') to characters a 6.1 kernel accepts", () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    const v = b.add({ kind: 'VAR', name: 'x', type: int, linkage: 'global' });
    b.add({ kind: 'DATASEC', name: 'maps/array', size: 4, vars: [{ type: v, offset: 0, size: 4 }] });
    b.add({ kind: 'DATASEC', name: '.data.x_1', size: 0, vars: [] });
    const out = sanitizeBtf(b.build(), { qmarkDatasec: false });
    expect(out.typeName(3)).toBe('maps_array');
    expect(out.typeName(4)).toBe('.data.x_1');
    expect(sanitizeBtf(b.build(), { qmarkDatasec: true }).typeName(3)).toBe('maps/array');
  });
});
