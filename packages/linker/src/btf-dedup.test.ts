import type { BtfTypeDef } from '@bpfkit/btf';
import { describe, expect, it } from 'vitest';
import { dedupTypes } from './btf-dedup.js';
import { fixture, linkFixtures } from './fixtures.test-helpers.js';
import { readInput } from './input-object.js';
import { linkObjects } from './link-objects.js';

/** One object's worth of types: int, `struct node { struct node *next; int value; }`, a VAR. */
function objectTypes(offset: number, value = 'value'): BtfTypeDef[] {
  const id = (n: number) => n + offset;
  return [
    { kind: 'INT', name: 'int', size: 4, signed: true, char: false, bool: false, bitOffset: 0, bits: 32 },
    {
      kind: 'STRUCT',
      name: 'node',
      size: 16,
      bitfieldOffsets: false,
      members: [
        { name: 'next', type: id(3), bitOffset: 0, bitfieldSize: 0 },
        { name: value, type: id(1), bitOffset: 64, bitfieldSize: 0 },
      ],
    },
    { kind: 'PTR', name: '', type: id(2) },
    { kind: 'VAR', name: 'head', type: id(3), linkage: 'static' },
  ];
}

describe('dedupTypes', () => {
  it('merges identical types across objects, cycles included, and keeps each VAR', () => {
    const { types, map } = dedupTypes([...objectTypes(0), ...objectTypes(4)]);
    expect(types.map((t) => `${t.kind} ${t.name}`)).toEqual([
      'INT int',
      'STRUCT node',
      'PTR ',
      'VAR head',
      'VAR head',
    ]);
    expect([...map]).toEqual([0, 1, 2, 3, 4, 1, 2, 3, 5]);
    expect(types[4]).toMatchObject({ kind: 'VAR', type: 3 });
  });

  it('keeps apart types that differ anywhere in what they reach', () => {
    // the second struct node names its int member differently: node and the pointer to it stay two
    const { types } = dedupTypes([...objectTypes(0), ...objectTypes(4, 'other')]);
    expect(types.map((t) => `${t.kind} ${t.name}`)).toEqual([
      'INT int',
      'STRUCT node',
      'PTR ',
      'VAR head',
      'STRUCT node',
      'PTR ',
      'VAR head',
    ]);
  });

  it('leaves one copy of each type the linked fixtures share', () => {
    const linked = readInput({ name: 'linked.o', bytes: linkFixtures(['funcs_a', 'funcs_b']) }).btf;
    const inputs = ['funcs_a', 'funcs_b'].map((name) => readInput(fixture(name)).btf);
    expect(linked.findByName('int', 'INT')).toHaveLength(1);
    expect(linked.findByName('__sk_buff', 'STRUCT')).toHaveLength(1);
    expect(linked.typeCount).toBeLessThan(inputs[0]!.typeCount + inputs[1]!.typeCount - 30);
    // without deduplication each input's types stay: one FUNC/VAR per global and the DATASECs differ
    const appended = readInput({
      name: 'appended.o',
      bytes: linkObjects([fixture('funcs_a'), fixture('funcs_b')], { deduplicateBtf: false }),
    }).btf;
    expect(appended.findByName('int', 'INT')).toHaveLength(2);
    expect(appended.typeCount).toBeGreaterThan(linked.typeCount);
  });
});
