import { BtfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { fixupDatasecs } from './datasec-fixup.js';
import { BYTE_ORDERS, loadFixture } from './test-support/elf.js';
import { layoutOf } from './test-support/layout.js';

describe.each(BYTE_ORDERS)('fixupDatasecs on btf_kinds.%s.o', (suffix) => {
  const object = loadFixture(`btf_kinds.${suffix}.o`);
  const btf = parseBtf(object.section('.BTF').data);
  const fixed = fixupDatasecs(btf, layoutOf(object));

  const datasec = (name: string) => {
    const type = fixed.typeById(fixed.findOne(name, 'DATASEC'));
    if (type.kind !== 'DATASEC') throw new Error('not a DATASEC');
    return { size: type.size, vars: type.vars.map((v) => [fixed.typeName(v.type), v.offset, v.size]) };
  };

  it('sets each DATASEC size from its ELF section and each variable offset from its symbol', () => {
    for (const name of ['.data', '.rodata', '.bss', '.maps', 'license']) {
      expect(datasec(name).size).toBe(object.section(name).size);
    }
    expect(datasec('.rodata').vars).toEqual([
      ['config', 0, 20],
      ['threshold', 20, 4],
    ]);
    expect(datasec('.data').vars).toEqual([
      ['counter', 0, 8],
      ['initial_flags', 8, 16],
      ['sample_event', 32, 240],
    ]);
    for (const v of datasec('.data').vars) {
      expect(object.symbols.find((s) => s.name === v[0])?.value).toBe(v[1]);
    }
  });

  it('keeps every type where it was: the fixed BTF lists the same ids of each kind as a fresh parse of its bytes', () => {
    const fresh = parseBtf(fixed.bytes);
    for (const kind of [4 /* STRUCT */, 14 /* VAR */, 15 /* DATASEC */]) {
      expect(btf.ownIdsOfKind(kind).length).toBeGreaterThan(0);
      expect(fixed.ownIdsOfKind(kind)).toEqual(fresh.ownIdsOfKind(kind));
      expect(fixed.ownIdsOfKind(kind)).toBe(btf.ownIdsOfKind(kind)); // found once, shared
    }
  });

  it('leaves static variables and the extern .ksyms section as clang wrote them', () => {
    expect(datasec('.bss').vars).toEqual([
      ['last_event', 0, 240],
      ['hidden_static', 240, 4],
    ]);
    expect(datasec('.ksyms')).toEqual({ size: 0, vars: [['bpf_kfunc_example', 0, 0]] });
  });

  it('keeps the input unchanged and every other type identical', () => {
    expect(btf.typeById(btf.findOne('.rodata', 'DATASEC'))).toMatchObject({ size: 0 });
    expect([...fixed].filter((t) => t.kind !== 'DATASEC')).toEqual(
      [...btf].filter((t) => t.kind !== 'DATASEC'),
    );
  });

  it('marks hidden globals static and sorts variables by offset', () => {
    const layout = layoutOf(object);
    const swapped = fixupDatasecs(btf, {
      ...layout,
      symbolOffset: (section, name) => (name === 'config' ? 100 : layout.symbolOffset(section, name)),
      symbolHidden: (_section, name) => name === 'threshold',
    });
    const rodata = swapped.typeById(swapped.findOne('.rodata', 'DATASEC'));
    if (rodata.kind !== 'DATASEC') throw new Error('not a DATASEC');
    expect(rodata.vars.map((v) => [swapped.typeName(v.type), v.offset])).toEqual([
      ['threshold', 20],
      ['config', 100],
    ]);
    expect(swapped.typeById(swapped.findOne('threshold', 'VAR'))).toMatchObject({ linkage: 'static' });
  });

  it('sorts a section out of order with each variable keeping its size, and equal offsets in their order', () => {
    const layout = layoutOf(object);
    const moved: Record<string, number> = { counter: 40, initial_flags: 8, sample_event: 8 };
    const sorted = fixupDatasecs(btf, {
      ...layout,
      symbolOffset: (section, name) => moved[name] ?? layout.symbolOffset(section, name),
    });
    const data = sorted.typeById(sorted.findOne('.data', 'DATASEC'));
    if (data.kind !== 'DATASEC') throw new Error('not a DATASEC');
    expect(data.vars.map((v) => [sorted.typeName(v.type), v.offset, v.size])).toEqual([
      ['initial_flags', 8, 16],
      ['sample_event', 8, 240],
      ['counter', 40, 8],
    ]);
  });

  it('returns a BTF that needs nothing as it is, without copying its bytes', () => {
    const again = fixupDatasecs(fixed, layoutOf(object));
    expect(again).toBe(fixed);
    expect(again.bytes).toBe(fixed.bytes);
  });

  it('fails with the section named when the ELF has no size or symbol for it', () => {
    const layout = layoutOf(object);
    expect(() => fixupDatasecs(btf, { ...layout, sectionSize: () => undefined })).toThrow(BtfError);
    let error: unknown;
    try {
      fixupDatasecs(btf, { ...layout, symbolOffset: () => undefined });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BtfError);
    expect((error as BtfError).location.section).toBeDefined();
    expect((error as BtfError).location.symbol).toBeDefined();
  });
});
