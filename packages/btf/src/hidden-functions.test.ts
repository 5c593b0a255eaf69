import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { BtfBuilder } from './builder.js';
import { makeHiddenFunctionsStatic } from './hidden-functions.js';

function functionsBtf() {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, { signed: true });
  const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: int, params: [] });
  for (const [name, linkage] of [
    ['hidden_one', 'global'],
    ['visible', 'global'],
    ['already_static', 'static'],
    ['hidden_one', 'global'],
  ] as const) {
    b.add({ kind: 'FUNC', name, type: proto, linkage });
  }
  return parseBtf(b.encode());
}

const linkages = (btf: ReturnType<typeof parseBtf>) =>
  [...btf].flatMap((t) => (t.kind === 'FUNC' ? [`${t.name}:${t.linkage}`] : []));

describe('makeHiddenFunctionsStatic', () => {
  it('makes the first global FUNC of each hidden name static and leaves the rest', () => {
    const btf = functionsBtf();
    const fixed = makeHiddenFunctionsStatic(btf, new Set(['hidden_one', 'already_static', 'not_in_btf']));
    expect(linkages(fixed)).toEqual([
      'hidden_one:static',
      'visible:global',
      'already_static:static',
      'hidden_one:global',
    ]);
    expect(linkages(btf)[0]).toBe('hidden_one:global');
  });

  it('returns the same Btf when no FUNC changes', () => {
    const btf = functionsBtf();
    expect(makeHiddenFunctionsStatic(btf, new Set())).toBe(btf);
    expect(makeHiddenFunctionsStatic(btf, new Set(['already_static']))).toBe(btf);
  });
});
