import { BtfError, NotFoundError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { asBpftool, bpftoolAvailable, bpftoolDump } from './test-support/bpftool.js';
import { BYTE_ORDERS, fixturePath, loadFixture } from './test-support/elf.js';

const haveBpftool = bpftoolAvailable();
if (!haveBpftool && process.env.BPFKIT_REQUIRE_KERNEL === '1')
  throw new Error('bpftool is required as oracle');

function fixtureBtf(suffix: string) {
  return parseBtf(loadFixture(`btf_kinds.${suffix}.o`).section('.BTF').data);
}

describe.each(BYTE_ORDERS)('BTF of btf_kinds.%s.o', (suffix, byteOrder) => {
  const btf = fixtureBtf(suffix);

  it('detects the byte order from the magic', () => {
    expect(btf.byteOrder).toBe(byteOrder);
  });

  it.skipIf(!haveBpftool)('decodes every type exactly as bpftool dumps it', () => {
    const expected = bpftoolDump(fixturePath(`btf_kinds.${suffix}.o`));
    expect(btf.typeCount).toBe(expected.length);
    expect([...btf].map(asBpftool)).toEqual(expected);
  });

  it('decodes every kind the fixture was written to produce', () => {
    const kinds = new Set([...btf].map((t) => t.kind));
    expect([...kinds].sort()).toEqual(
      [
        'ARRAY',
        'CONST',
        'DATASEC',
        'DECL_TAG',
        'ENUM',
        'ENUM64',
        'FLOAT',
        'FUNC',
        'FUNC_PROTO',
        'FWD',
        'INT',
        'PTR',
        'RESTRICT',
        'STRUCT',
        'TYPEDEF',
        'TYPE_TAG',
        'UNION',
        'VAR',
        'VOLATILE',
      ].sort(),
    );
  });

  it('reads bitfield members from kind_flag offsets', () => {
    const flags = btf.typeById(btf.findOne('flags', 'STRUCT'));
    expect(flags).toMatchObject({ kind: 'STRUCT', size: 16, bitfieldOffsets: true });
    expect(btf.members(flags.id).map((m) => [m.name, m.bitOffset, m.bitfieldSize])).toEqual([
      ['a', 0, 3],
      ['b', 3, 5],
      ['c', 8, 24],
      ['d', 64, 40],
      ['e', 104, 0],
    ]);
  });

  it('reads enum signedness, enum64 values and func/var linkage', () => {
    expect(btf.typeById(btf.findOne('delta', 'ENUM'))).toMatchObject({
      signed: true,
      values: [{ name: 'MINUS', value: -1 }, {}, {}],
    });
    expect(btf.typeById(btf.findOne('color', 'ENUM'))).toMatchObject({ signed: false });
    expect(btf.typeById(btf.findOne('wide', 'ENUM64'))).toMatchObject({
      values: [
        { name: 'WIDE_SMALL', value: 1n },
        { name: 'WIDE_BIG', value: 0xfedcba9876543210n },
      ],
    });
    expect(btf.typeById(btf.findOne('wide_signed', 'ENUM64'))).toMatchObject({
      signed: true,
      values: [{ value: -5n }, {}],
    });
    expect(btf.typeById(btf.findOne('static_helper', 'FUNC'))).toMatchObject({ linkage: 'static' });
    expect(btf.typeById(btf.findOne('global_helper', 'FUNC'))).toMatchObject({ linkage: 'global' });
    expect(btf.typeById(btf.findOne('bpf_kfunc_example', 'FUNC'))).toMatchObject({ linkage: 'extern' });
    expect(btf.typeById(btf.findOne('hidden_static', 'VAR'))).toMatchObject({ linkage: 'static' });
    expect(btf.typeById(btf.findOne('incomplete', 'FWD'))).toMatchObject({ fwdKind: 'struct' });
    expect(btf.typeById(btf.findOne('uincomplete', 'FWD'))).toMatchObject({ fwdKind: 'union' });
  });

  it('reads decl tags on types, members and parameters', () => {
    const tags = [...btf]
      .filter((t) => t.kind === 'DECL_TAG')
      .map((t) => [t.name, btf.typeName(t.type), t.componentIdx]);
    expect(tags).toEqual(
      expect.arrayContaining([
        ['struct_tag', 'event', -1],
        ['field_tag', 'event', 17],
        ['param_tag', 'global_helper', 0],
        ['func_tag', 'global_helper', -1],
      ]),
    );
  });

  it('finds types by name, with or without a kind', () => {
    const eventId = btf.findOne('event', 'STRUCT');
    expect(btf.typeName(eventId)).toBe('event');
    expect(btf.findByName('event')).toEqual([eventId]);
    expect(
      btf
        .findByName('config')
        .map((id) => btf.kindOf(id))
        .sort(),
    ).toEqual(['STRUCT', 'VAR']);
    expect(btf.findByName('no_such_type')).toEqual([]);
    expect(btf.findByName('')).toEqual([]);
    expect(() => btf.findOne('event', 'UNION')).toThrow(NotFoundError);
  });

  it('resolves sizes through typedefs, modifiers, arrays and vars', () => {
    expect(btf.resolveSize(btf.findOne('event', 'STRUCT'))).toBe(240);
    expect(btf.resolveSize(btf.findOne('u32_t', 'TYPEDEF'))).toBe(4);
    expect(btf.resolveSize(btf.findOne('config', 'VAR'))).toBe(20);
    expect(btf.resolveSize(btf.findOne('threshold', 'VAR'))).toBe(4);
    const matrix = btf.findMember(btf.findOne('event', 'STRUCT'), 'matrix');
    expect(btf.resolveSize(matrix.type)).toBe(24);
    expect(() => btf.resolveSize(btf.findOne('xdp_prog', 'FUNC'))).toThrow(BtfError);
  });

  it('skips modifiers and typedefs to the underlying type', () => {
    const threshold = btf.typeById(btf.findOne('threshold', 'VAR'));
    if (threshold.kind !== 'VAR') throw new Error('not a VAR');
    expect(btf.typeById(btf.skipModsAndTypedefs(threshold.type))).toMatchObject({ kind: 'INT', name: 'int' });
    expect(btf.kindOf(btf.skipModsAndTypedefs(btf.findOne('u32_t', 'TYPEDEF')))).toBe('INT');
  });

  it('finds members inside anonymous unions and structs, and along dotted paths', () => {
    const event = btf.findOne('event', 'STRUCT');
    expect(btf.memberOffsetBits(event, 'raw')).toBe(320);
    expect(btf.memberOffsetBits(event, 'hi')).toBe(336);
    expect(btf.memberOffsetBits(event, 'flags.d')).toBe(192 + 64);
    expect(btf.findMember(event, 'flags.c')).toMatchObject({ bitOffset: 200, bitfieldSize: 24 });
    expect(() => btf.findMember(event, 'flags.zz')).toThrow(NotFoundError);
  });

  it('formats types as C declarations', () => {
    const event = btf.findOne('event', 'STRUCT');
    const memberType = (name: string) => btf.formatType(btf.findMember(event, name).type);
    expect(memberType('pid')).toBe('u32_t');
    expect(memberType('comm')).toBe('char[16]');
    expect(memberType('ptr')).toBe('const volatile int *');
    expect(memberType('opaque')).toBe('struct incomplete *');
    expect(memberType('uopaque')).toBe('union uincomplete *');
    expect(memberType('callback')).toBe('int (*)(int, void *)');
    expect(memberType('matrix')).toBe('int[2][3]');
    expect(memberType('rp')).toBe('int *restrict');
    expect(memberType('tagged')).toBe('int *');
    expect(memberType('color')).toBe('enum color');
    expect(btf.formatType(btf.findOne('xdp_prog', 'FUNC'))).toBe('int xdp_prog(struct xdp_md *)');
    expect(btf.formatType(btf.findOne('counter', 'VAR'))).toBe('unsigned long long counter');
    expect(btf.formatType(0)).toBe('void');
  });

  it('refuses ids that do not exist', () => {
    expect(() => btf.typeById(0)).toThrow(NotFoundError);
    expect(() => btf.typeById(btf.typeCount + 1)).toThrow(NotFoundError);
    expect(btf.kindOf(0)).toBe('VOID');
  });
});

it('decodes the same types from both byte orders', () => {
  expect([...fixtureBtf('bpfeb')]).toEqual([...fixtureBtf('bpfel')]);
});

it('keeps working when the section is not 4-byte aligned in memory', () => {
  const data = loadFixture('btf_kinds.bpfel.o').section('.BTF').data;
  const shifted = new Uint8Array(data.length + 1).subarray(1);
  shifted.set(data);
  expect([...parseBtf(shifted)]).toEqual([...parseBtf(data)]);
});
