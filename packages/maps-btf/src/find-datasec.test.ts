import { BtfBuilder, parseBtf } from '@bpfkit/btf';
import { describe, expect, it } from 'vitest';
import { findDatasec } from './find-datasec.js';

describe('findDatasec', () => {
  it('finds the DATASEC of a name as findByName does, and nothing for other kinds or names', () => {
    const b = new BtfBuilder();
    const int = b.addInt('int', 4, { signed: true });
    // a VAR named like a section, so that only the kind tells them apart
    const variable = b.add({ kind: 'VAR', name: '.data', type: int, linkage: 'global' });
    b.add({ kind: 'DATASEC', name: '.maps', size: 0, vars: [] });
    b.add({ kind: 'DATASEC', name: '.data', size: 4, vars: [{ type: variable, offset: 0, size: 4 }] });
    const btf = parseBtf(b.encode());
    for (const name of ['.maps', '.data', '.bss', 'int', '.dat']) {
      expect(findDatasec(btf, name)).toBe(btf.findByName(name, 'DATASEC')[0]);
    }
    expect(findDatasec(btf, '.data')).toBeGreaterThan(0);
    expect(findDatasec(btf, '.data')).not.toBe(findDatasec(btf, '.maps'));
  });
});
