import { addContext, SHT_PROGBITS, SHT_REL, SHT_RELA, UsageError } from '@bpfkit/core';
import { mergeBtfExt } from './btf-ext-merge.js';
import { mergeBtf } from './btf-merge.js';
import { type OutputSection, type OutputSymbol, writeElf } from './elf-writer.js';
import { type InputObject, type LinkInput, readInput } from './input-object.js';
import { type LinkedRelocation, relocateSections } from './relocations.js';
import { layOutSections, sectionContents } from './section-layout.js';
import { type LinkedSymbol, resolveSymbols } from './symbol-resolution.js';

export interface LinkOptions {
  /**
   * Merge identical BTF types once every input is appended (default true), as libbpf's linker
   * ends with btf__dedup. Off, each input's types stay as they were, only renumbered.
   */
  deduplicateBtf?: boolean;
}

const SHF_INFO_LINK = 0x40n;

/**
 * Links BPF objects into one relocatable object, as libbpf's bpf_linker (bpf_linker__add_file
 * for each input, then bpf_linker__finalize) and `bpftool gen object OUT IN...` do: same-named
 * sections merged in input order, global symbols resolved across objects (externs bound to their
 * definitions, strong over weak, static symbols kept per object), relocations re-based, BTF and
 * BTF.ext merged. The inputs must share one byte order; the output has it too.
 */
export function linkObjects(inputs: readonly LinkInput[], options: LinkOptions = {}): Uint8Array {
  if (inputs.length === 0) {
    throw new UsageError('nothing to link', { hint: 'give at least one BPF object' });
  }
  const objects = inputs.map((input) => {
    try {
      return readInput(input);
    } catch (error) {
      throw addContext(error, 'read input', { object: input.name });
    }
  });
  checkSameKind(objects);
  const layout = layOutSections(objects);
  const symbols = resolveSymbols(objects, layout);
  const relocations = relocateSections(objects, layout, symbols);
  const { builder, typeMaps } = mergeBtf(objects, layout, symbols, options.deduplicateBtf ?? true);
  const btfExt = mergeBtfExt(objects, layout, typeMaps, builder, symbols.overridden);
  const btf = builder.encode();

  const byteOrder = objects[0]!.file.byteOrder;
  const little = byteOrder === 'little';
  const ordered: LinkedSymbol[] = [...symbols.sectionSymbols, ...symbols.locals];
  for (const global of symbols.globals.values()) ordered.push(global.symbol);
  const symbolIndex = new Map(ordered.map((symbol, i) => [symbol, i + 1]));
  const sections: OutputSection[] = layout.sections.map((section) => ({
    name: section.name,
    type: section.type,
    flags: section.flags,
    data: sectionContents(section),
    size: section.size,
    align: section.align,
  }));
  // writeElf appends .symtab right after the sections given to it
  const relocationSections: OutputSection[] = [];
  for (const section of layout.sections) {
    const list = relocations.get(section);
    if (!list || list.length === 0) continue;
    relocationSections.push(relocationSection(section.name, section.index, list, symbolIndex, little));
  }
  sections.push(...relocationSections);
  sections.push({ name: '.BTF', type: SHT_PROGBITS, flags: 0n, data: btf, align: 4 });
  if (btfExt) sections.push({ name: '.BTF.ext', type: SHT_PROGBITS, flags: 0n, data: btfExt, align: 4 });
  const symtabIndex = sections.length + 1;
  for (const section of relocationSections) section.link = symtabIndex;

  const outputSymbols: OutputSymbol[] = ordered.map((symbol) => ({
    name: symbol.name,
    value: symbol.value,
    size: symbol.size,
    type: symbol.type,
    bind: symbol.bind,
    visibility: symbol.visibility,
    section: symbol.section?.index ?? 0,
  }));
  return writeElf({ byteOrder, flags: objects[0]!.file.header.flags, sections, symbols: outputSymbols });
}

/** All inputs must be eBPF objects of one byte order (libbpf refuses a mix too). */
function checkSameKind(objects: readonly InputObject[]): void {
  const first = objects[0]!;
  for (const object of objects) {
    if (object.file.byteOrder !== first.file.byteOrder) {
      throw new UsageError(
        `${object.name} is ${object.file.byteOrder}-endian but ${first.name} is ${first.file.byteOrder}-endian`,
        {
          location: { object: object.name },
          hint: 'compile every input with the same -target (bpfel or bpfeb)',
        },
      );
    }
  }
}

/** Elf64_Rel entries (Elf64_Rela when any relocation has an addend) for one output section. */
function relocationSection(
  target: string,
  targetIndex: number,
  list: readonly LinkedRelocation[],
  symbolIndex: Map<LinkedSymbol, number>,
  little: boolean,
): OutputSection {
  const withAddend = list.some((relocation) => relocation.addend !== 0n);
  const entrySize = withAddend ? 24 : 16;
  const data = new Uint8Array(list.length * entrySize);
  const view = new DataView(data.buffer);
  list.forEach((relocation, i) => {
    const at = i * entrySize;
    view.setBigUint64(at, relocation.offset, little);
    // r_info = (symbol << 32) | type
    const info = (BigInt(symbolIndex.get(relocation.symbol)!) << 32n) | BigInt(relocation.type);
    view.setBigUint64(at + 8, info, little);
    if (withAddend) view.setBigInt64(at + 16, relocation.addend, little);
  });
  return {
    name: `${withAddend ? '.rela' : '.rel'}${target}`,
    type: withAddend ? SHT_RELA : SHT_REL,
    flags: SHF_INFO_LINK,
    data,
    info: targetIndex,
    align: 8,
    entsize: entrySize,
  };
}
