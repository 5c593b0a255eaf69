import { Artifacts, ElfError, type ObjectFileView, SHT_PROGBITS } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { objectMetadata } from './object-metadata.js';

/** A file view of named PROGBITS sections with the given bytes (no symbols or relocations). */
function fileOf(byteOrder: 'little' | 'big', sections: Record<string, Uint8Array>): ObjectFileView {
  const data = [new Uint8Array(0), ...Object.values(sections)];
  return {
    name: 'meta.o',
    byteOrder,
    sections: ['', ...Object.keys(sections)].map((name, index) => ({
      index,
      name,
      type: SHT_PROGBITS,
      flags: 0n,
      size: data[index]!.length,
      offset: 64 * index,
    })),
    symbols: [],
    relocationsFor: () => [],
    sectionData: (index) => data[index]!,
  };
}

const ascii = (text: string) => new TextEncoder().encode(text);

describe('objectMetadata', () => {
  it('reads the license up to its NUL and the version in the object byte order', () => {
    const little = fileOf('little', { license: ascii('Dual BSD/GPL\0'), version: Uint8Array.of(1, 2, 6, 0) });
    expect(objectMetadata(little, { artifacts: new Artifacts() })).toEqual({
      license: 'Dual BSD/GPL',
      kernelVersion: 0x060201,
    });
    const big = fileOf('big', { version: Uint8Array.of(0, 6, 2, 1), license: ascii('GPL') });
    expect(objectMetadata(big, { artifacts: new Artifacts() })).toEqual({
      license: 'GPL',
      kernelVersion: 0x060201,
    });
  });

  it('gives an empty license and version 0 when the sections are absent', () => {
    expect(objectMetadata(fileOf('little', {}), { artifacts: new Artifacts() })).toEqual({
      license: '',
      kernelVersion: 0,
    });
  });

  it('decodes a license that is not ASCII', () => {
    const file = fileOf('little', { license: ascii('GPL · é\0') });
    expect(objectMetadata(file, { artifacts: new Artifacts() }).license).toBe('GPL · é');
  });

  it('reads the file once per open: a second ask returns what the first found', () => {
    const context = { artifacts: new Artifacts() };
    const first = objectMetadata(fileOf('little', { license: ascii('GPL\0') }), context);
    expect(objectMetadata(fileOf('little', { license: ascii('MIT\0') }), context)).toBe(first);
  });

  it('refuses a version section that is not one u32, naming it', () => {
    const file = fileOf('little', { version: Uint8Array.of(1, 2, 3) });
    let error: unknown;
    try {
      objectMetadata(file, { artifacts: new Artifacts() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ElfError);
    expect((error as ElfError).message).toContain('3 bytes');
    expect((error as ElfError).location).toMatchObject({ object: 'meta.o', section: 'version' });
  });
});
