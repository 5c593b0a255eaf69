import { objectBtf } from '@bpfkit/btf';
import { MapDefinitionError, MapFlag, type MapSpec, MapType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { readStructOpsMaps, structOpsCollector } from './struct-ops-collector.js';
import { loadFixture, openContext, section } from './test-support/fixtures.js';

describe.each([
  ['bpfel', 'little'],
  ['bpfeb', 'big'],
] as const)('structOpsCollector on struct_ops.%s.o', (order, byteOrder) => {
  const file = loadFixture(`struct_ops.${order}.o`);
  const context = openContext();
  const sections = file.sections.filter((s) => structOpsCollector.claims(s, file, context));
  const maps = structOpsCollector.collect(file, sections, context);
  const byName = (name: string) => maps.find((m) => m.name === name) as MapSpec;

  it('claims .struct_ops and .struct_ops.link only', () => {
    expect(sections.map((s) => s.name)).toEqual(['.struct_ops', '.struct_ops.link']);
  });

  it('makes one single-entry STRUCT_OPS map per variable, BPF_F_LINK for the .link section', () => {
    expect(maps.map((m) => [m.name, m.kind, m.type, m.keySize, m.maxEntries, m.flags])).toEqual([
      ['first', 'struct-ops', MapType.STRUCT_OPS, 4, 1, 0],
      ['second', 'struct-ops', MapType.STRUCT_OPS, 4, 1, 0],
      ['linked', 'struct-ops', MapType.STRUCT_OPS, 4, 1, MapFlag.LINK],
    ]);
  });

  it('places each variable at its offset in the section, with the local struct as its BTF type', () => {
    const btf = objectBtf(file, context)!;
    const first = byName('first');
    expect(first.valueSize).toBe(40);
    expect(first.source).toMatchObject({ format: 'struct-ops', section: '.struct_ops', offset: 0 });
    expect(byName('second').source.offset).toBe(40);
    expect(btf.typeById(first.source.btfTypeId!)).toMatchObject({
      kind: 'STRUCT',
      name: 'tcp_congestion_ops',
    });
    expect(byName('linked').source).toMatchObject({
      section: '.struct_ops.link',
      sectionIndex: section(file, '.struct_ops.link').index,
    });
  });

  it('names the program behind each function pointer from the section relocations', () => {
    const programs = (name: string) =>
      Object.fromEntries(
        byName(name)
          .structOps!.members.filter((m) => m.program)
          .map((m) => [m.name, m.program]),
      );
    expect(programs('first')).toEqual({ init: 'first_init', ssthresh: 'shared_ssthresh' });
    expect(programs('second')).toEqual({ ssthresh: 'shared_ssthresh' });
    expect(programs('linked')).toEqual({ ssthresh: 'shared_ssthresh' });
  });

  it('keeps the member layout and the initial bytes of the object', () => {
    const first = byName('first').structOps!;
    expect(first.typeName).toBe('tcp_congestion_ops');
    expect(first.members.map((m) => [m.name, m.offset, m.size, m.kind])).toEqual([
      ['init', 0, 8, 'PTR'],
      ['ssthresh', 8, 8, 'PTR'],
      ['flags', 16, 4, 'INT'],
      ['name', 20, 16, 'ARRAY'],
    ]);
    expect(new DataView(first.data.buffer, first.data.byteOffset).getUint32(16, byteOrder === 'little')).toBe(
      1,
    );
    expect(new TextDecoder().decode(first.data.subarray(20, 25))).toBe('first');
    expect(new TextDecoder().decode(byName('second').structOps!.data.subarray(20, 26))).toBe('second');
  });

  it('refuses a section without BTF, naming the section', () => {
    expect(() => readStructOpsMaps(file, section(file, '.struct_ops'), undefined, 'obj')).toThrow(
      MapDefinitionError,
    );
    expect(() => readStructOpsMaps(file, section(file, '.struct_ops'), undefined, 'obj')).toThrow(
      /DATASEC '.struct_ops'/,
    );
  });
});
