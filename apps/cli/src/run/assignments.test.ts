import { readFileSync } from 'node:fs';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader, getVariable } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { applyMaxEntries, applySets, parseSetValue } from './assignments.js';

const fixture = (name: string) => new URL(`../../../../fixtures/${name}`, import.meta.url).pathname;
const open = (name: string) =>
  createLoader({ backend: new SimulatedKernel() }).open(readFileSync(fixture(name)));

describe('--set values', () => {
  it('reads JSON when it parses, bigints with an n or beyond 2^53, strings otherwise', () => {
    expect(parseSetValue('42')).toBe(42);
    expect(parseSetValue('-1')).toBe(-1);
    expect(parseSetValue('[1,2]')).toEqual([1, 2]);
    expect(parseSetValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseSetValue('true')).toBe(true);
    expect(parseSetValue('123n')).toBe(123n);
    expect(parseSetValue('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseSetValue('bash')).toBe('bash');
    expect(parseSetValue('"42"')).toBe('42');
    expect(parseSetValue('null')).toBe('null');
  });

  it('writes .rodata and .data initial values into the spec', () => {
    const spec = open('global_vars.bpfel.o');
    applySets(spec, ['verdict=7', 'last_len=5']);
    expect(getVariable(spec, 'verdict')).toBe(7);
    expect(getVariable(spec, 'last_len')).toBe(5);
    expect(() => applySets(spec, ['nope=1'])).toThrow(/no global variable named nope/);
    expect(() => applySets(spec, ['verdict'])).toThrow(/--set takes NAME=VALUE/);
  });

  it('changes max_entries of a named map and refuses global-data maps', () => {
    const spec = open('legacy_xdp.bpfel.o');
    const name = spec.maps[0]!.name;
    applyMaxEntries(spec, [`${name}=64`]);
    expect(spec.maps[0]!.maxEntries).toBe(64);
    expect(() => applyMaxEntries(spec, ['nope=1'])).toThrow(/no map named nope/);
    expect(() => applyMaxEntries(spec, [`${name}=0`])).toThrow(/positive/);
    const data = open('global_vars.bpfel.o');
    expect(() => applyMaxEntries(data, ['.bss=4'])).toThrow(/global-data map/);
  });
});
