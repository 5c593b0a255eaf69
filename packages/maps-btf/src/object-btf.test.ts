import { ObjectBtfArtifact, objectBtf, parseBtf } from '@bpfkit/btf';
import { BtfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { loadFixture, openContext, section } from './test-support/fixtures.js';

describe('objectBtf', () => {
  it('parses .BTF once, fixes DATASEC sizes and leaves the result in the artifacts', () => {
    const file = loadFixture('global_data.bpfel.o');
    const context = openContext();
    const btf = objectBtf(file, context)!;
    expect(context.artifacts.get(ObjectBtfArtifact)).toBe(btf);
    expect(objectBtf(file, context)).toBe(btf);
    const datasec = btf.typeById(btf.findOne('.bss', 'DATASEC'));
    expect(datasec.kind === 'DATASEC' && datasec.size).toBe(section(file, '.bss').size);
  });

  it('fixes up BTF an earlier stage left unfixed', () => {
    const file = loadFixture('global_data.bpfel.o');
    const context = openContext();
    const raw = parseBtf(file.sectionData(section(file, '.BTF').index));
    const rawDatasec = raw.typeById(raw.findOne('.data', 'DATASEC'));
    expect(rawDatasec.kind === 'DATASEC' && rawDatasec.size).toBe(0);
    context.artifacts.set(ObjectBtfArtifact, raw);
    const btf = objectBtf(file, context)!;
    expect(btf).not.toBe(raw);
    expect(context.artifacts.get(ObjectBtfArtifact)).toBe(btf);
  });

  it('returns undefined for an object without .BTF and names .BTF when it is malformed', () => {
    const file = loadFixture('global_data.bpfel.o');
    const withoutBtf = {
      ...file,
      sections: file.sections.filter((s) => s.name !== '.BTF'),
      symbols: file.symbols,
      relocationsFor: file.relocationsFor.bind(file),
      sectionData: file.sectionData.bind(file),
    };
    expect(objectBtf(withoutBtf, openContext())).toBeUndefined();
    const broken = {
      ...withoutBtf,
      sections: file.sections,
      sectionData: (i: number) =>
        file.sections[i]!.name === '.BTF' ? new Uint8Array(8) : file.sectionData(i),
    };
    expect(() => objectBtf(broken, openContext())).toThrow(BtfError);
    expect(() => objectBtf(broken, openContext())).toThrow(/^parse \.BTF: /);
  });
});
