import { createLoader, getVariable, globalVariables } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { linkFixtures, type Order } from './fixtures.test-helpers.js';

// What bpfkit's loader makes of a linked object: the programs, maps and variables of both inputs,
// each shared one once.
describe.each(['bpfel', 'bpfeb'] as Order[])('a linked object opened by bpfkit (%s)', (order) => {
  it('funcs_a + funcs_b: both programs, the shared maps once, every variable once', () => {
    const spec = createLoader().open(linkFixtures(['funcs_a', 'funcs_b'], order));
    expect(spec.programs.map((p) => `${p.name} ${p.section}`)).toEqual(['prog_a socket', 'prog_b socket']);
    const maps = spec.maps.map((m) => `${m.name} type=${m.type} max=${m.maxEntries}`);
    // hits: defined in funcs_a, extern in funcs_b; seen: __weak in both
    expect(maps.filter((m) => !m.startsWith('.'))).toEqual(['hits type=2 max=4', 'seen type=1 max=8']);
    expect(globalVariables(spec).map((v) => `${v.map} ${v.name}`)).toEqual([
      '.rodata bias',
      '.rodata factor_a',
      '.rodata factor_b',
      '.bss out_a',
      '.bss weak_out_a',
      '.bss calls',
      '.bss out_b',
      '.bss weak_out_b',
      '.bss runs_b',
      '.bss skb_size_b',
    ]);
    expect(getVariable(spec, 'factor_a')).toBe(3);
    expect(getVariable(spec, 'factor_b')).toBe(4);
    expect(getVariable(spec, 'bias')).toBe(5);
  });

  it('vars_a + vars_b: the strong definitions of weak variables give the initial values', () => {
    const spec = createLoader().open(linkFixtures(['vars_a', 'vars_b'], order));
    expect(spec.programs.map((p) => p.name)).toEqual(['prog_vars_a', 'prog_vars_b']);
    const variables = globalVariables(spec).map((v) => `${v.map} ${v.name}`);
    expect(variables.filter((v) => v.startsWith('.data'))).toEqual([
      '.data input_data_a',
      '.data input_data_b',
      '.data input_data_weak',
    ]);
    expect(new Set(variables).size).toBe(variables.length);
    expect(getVariable(spec, 'input_data_weak')).toBe(20);
    expect(getVariable(spec, 'input_rodata_weak')).toBe(200);
    expect(getVariable(spec, 'input_rodata_a')).toBe(11);
    expect(getVariable(spec, 'input_rodata_b')).toBe(22);
  });
});
