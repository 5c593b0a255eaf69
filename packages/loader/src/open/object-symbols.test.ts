import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';

const fixture = (name: string) => new URL(`../../../../fixtures/${name}`, import.meta.url).pathname;

describe('the global symbols open keeps (ObjectSpec.symbols)', () => {
  for (const order of ['bpfel', 'bpfeb']) {
    it(`names functions, maps and variables with their binding and place (${order})`, () => {
      const spec = createLoader().open(fixture(`weak_override.${order}.o`));
      expect(spec.symbols).toEqual(
        expect.arrayContaining([
          { name: 'pick', kind: 'function', weak: true, hidden: false },
          { name: 'weak_override', kind: 'function', weak: false, hidden: false },
          { name: 'weak_hits', kind: 'map', weak: false, hidden: false },
          {
            name: 'weak_calls',
            kind: 'variable',
            weak: false,
            hidden: false,
            map: '.bss',
            offset: 0,
            size: 8,
          },
        ]),
      );
      // LICENSE lies in no map and no code: nothing in the spec could refer to it
      expect(spec.symbols).toHaveLength(4);
    });
  }

  it('marks __hidden functions, which other objects linked with this one may still call', () => {
    const spec = createLoader().open(fixture('hidden_func.bpfel.o'));
    expect(spec.symbols).toContainEqual({ name: 'store_sum', kind: 'function', weak: false, hidden: true });
    expect(spec.symbols).toContainEqual({
      name: 'checked_store',
      kind: 'function',
      weak: false,
      hidden: false,
    });
  });
});
