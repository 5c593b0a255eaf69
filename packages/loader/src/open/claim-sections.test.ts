import { readFileSync } from 'node:fs';
import {
  Artifacts,
  type MapCollector,
  type OpenContext,
  type SectionView,
  SHF_EXECINSTR,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  silentEvents,
} from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { claimSections } from './claim-sections.js';

const fixture = (name: string) => new URL(`../../../../fixtures/${name}`, import.meta.url).pathname;

describe('claimSections', () => {
  it('offers every section with data, whatever its name, and no code, symbol, string or relocation table', () => {
    const bytes = new Uint8Array(readFileSync(fixture('global_vars.bpfel.o')));
    const file = readElf(bytes, 'global_vars.bpfel.o');
    const context: OpenContext = {
      objectName: file.name,
      options: {},
      events: silentEvents,
      artifacts: new Artifacts(),
      bytes,
    };
    const offered: string[] = [];
    const greedy: MapCollector = {
      format: 'greedy',
      claims: (section) => offered.push(section.name) > 0,
      collect: () => [],
    };
    const [won] = claimSections(file, [greedy], context);
    const bookkeeping = [SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_RELA];
    // code: sections with instructions in them (an empty .text holds none, and is offered)
    const code = (s: SectionView) => s.size > 0 && (s.flags & SHF_EXECINSTR) !== 0n;
    const expected = file.sections.filter((s) => s.name !== '' && !bookkeeping.includes(s.type) && !code(s));
    expect(offered).toEqual(expected.map((s) => s.name));
    expect(offered).toEqual(
      expect.arrayContaining(['.rodata', '.data', '.bss', 'license', '.BTF', '.BTF.ext']),
    );
    // the object has each kind left out, so the filter is seen at work
    for (const type of [SHT_SYMTAB, SHT_STRTAB, SHT_REL])
      expect(file.sections.some((s) => s.type === type)).toBe(true);
    expect(won?.sections.map((s) => s.name)).toEqual(offered);
  });
});
