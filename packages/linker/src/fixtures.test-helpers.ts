// Shared by this package's tests: the fixture objects, linking them, and a spec built in code.
import { readFileSync } from 'node:fs';
import { ObjectBuilder, ProgramBuilder, R0, R1, R2, R3 } from '@bpfkit/asm';
import { MapType, type ObjectSpec } from '@bpfkit/core';
import { createLoader, type LoadedObject } from '@bpfkit/loader';
import { expect } from 'vitest';
import type { LinkInput } from './input-object.js';
import { linkObjects } from './link-objects.js';

export const fixturesDir = new URL('../fixtures/', import.meta.url).pathname;
export type Order = 'bpfel' | 'bpfeb';

export function fixturePath(name: string, order: Order = 'bpfel'): string {
  return `${fixturesDir}${name}.${order}.o`;
}

export function fixture(name: string, order: Order = 'bpfel'): LinkInput {
  return { name: `${name}.${order}.o`, bytes: new Uint8Array(readFileSync(fixturePath(name, order))) };
}

export function linkFixtures(names: readonly string[], order: Order = 'bpfel'): Uint8Array {
  return linkObjects(names.map((name) => fixture(name, order)));
}

/** A fixture opened into a spec by the default loader, named after its source. */
export function openFixture(name: string, order: Order = 'bpfel'): ObjectSpec {
  return createLoader().open(fixture(name, order).bytes, { name });
}

/**
 * What a plugin generates at run time for plugin_host.bpf.c: `int scale(int x, int f)` returning
 * x * f + bonus, with `factor` (6, global) and `bonus` (3, private) in its own `.data`. No BTF: its
 * symbol table says where `factor` lies, as open writes one for clang's objects.
 */
export function generatedSpec(order: Order = 'bpfel', name = 'generated'): ObjectSpec {
  const byteOrder = order === 'bpfel' ? 'little' : 'big';
  const builder = new ObjectBuilder(name, { byteOrder });
  const data = new Uint8Array(8);
  const view = new DataView(data.buffer);
  view.setUint32(0, 6, byteOrder === 'little');
  view.setUint32(4, 3, byteOrder === 'little');
  builder.addMap({
    kind: 'data',
    name: '.data',
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: 8,
    maxEntries: 1,
    initialData: data,
  });
  builder.addFunction(
    'scale',
    new ProgramBuilder()
      .mov64Reg(R0, R1)
      .alu64Reg('mul', R0, R2)
      .ldMapValue(R3, '.data', 4) // bonus
      .load('u32', R3, R3, 0)
      .alu64Reg('add', R0, R3)
      .exit(),
    { global: true },
  );
  const spec = builder.build();
  spec.symbols = [
    { name: 'factor', kind: 'variable', weak: false, hidden: false, map: '.data', offset: 0, size: 4 },
  ];
  return spec;
}

/**
 * vars_a + vars_b loaded, linked either way: each program reads the other object's variables, and
 * the strong definitions win over the weak ones (as the selftests' linked_vars expect).
 */
export function expectVarsPairRuns(loaded: LoadedObject): void {
  const packet = new Uint8Array(74);
  loaded.writeVariable('input_bss_a', 1);
  loaded.writeVariable('input_bss_b', 5);
  loaded.writeVariable('input_bss_weak', 7);
  // .rodata: 11 + 22 + 200; .data: 1 + 2 + 20
  expect(loaded.program('prog_vars_a').testRun({ data: packet }).retval).toBe(233);
  expect(loaded.program('prog_vars_b').testRun({ data: packet }).retval).toBe(23);
  for (const side of ['a', 'b']) {
    expect(loaded.readVariable(`output_bss_${side}`)).toBe(13);
    expect(loaded.readVariable(`output_data_${side}`)).toBe(23);
    expect(loaded.readVariable(`output_rodata_${side}`)).toBe(233);
  }
}
