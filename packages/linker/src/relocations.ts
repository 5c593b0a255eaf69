import { SHF_EXECINSTR, STT_SECTION, UsageError } from '@bpfkit/core';
import type { InputObject } from './input-object.js';
import type { OutputSectionPlan, SectionLayout } from './section-layout.js';
import { isOverridden, type LinkedSymbol, type SymbolPlan } from './symbol-resolution.js';

/** One relocation of the output, against an output symbol. */
export interface LinkedRelocation {
  offset: bigint;
  symbol: LinkedSymbol;
  type: number;
  addend: bigint;
}

const CALL = 0x85; // BPF_JMP | BPF_CALL: its imm counts instructions, not bytes

/**
 * Moves every input relocation to the output: its offset re-based to where its section landed and
 * its symbol re-pointed at the merged symbol. A relocation against a section symbol carries the
 * target's offset in the instruction's imm, so the imm moves by the target piece's offset (in
 * instructions for a call), as libbpf's linker_append_elf_relos does. Relocations inside the body
 * of an overridden weak function are dropped: that code is unreachable, and a loader would find
 * them outside every function (libbpf's loader skips them; others refuse them).
 */
export function relocateSections(
  objects: readonly InputObject[],
  layout: SectionLayout,
  symbols: SymbolPlan,
): Map<OutputSectionPlan, LinkedRelocation[]> {
  const out = new Map<OutputSectionPlan, LinkedRelocation[]>();
  objects.forEach((object, n) => {
    const placements = layout.placements[n]!;
    const little = object.file.byteOrder === 'little';
    for (const [sectionIndex, piece] of placements) {
      if (piece.deduplicated) continue;
      const relocations = object.file.relocationsFor(sectionIndex);
      if (relocations.length === 0) continue;
      const list = out.get(piece.output) ?? [];
      out.set(piece.output, list);
      const view = new DataView(piece.bytes.buffer, piece.bytes.byteOffset, piece.bytes.byteLength);
      for (const relocation of relocations) {
        if (isOverridden(symbols.overridden, piece.output, Number(relocation.offset) + piece.offset))
          continue;
        const source = object.file.symbols[relocation.symbolIndex]!;
        const where = { object: object.name, section: piece.output.name, symbol: source.name };
        const symbol = symbols.symbolMaps[n]![relocation.symbolIndex];
        if (!symbol) {
          throw new UsageError(
            `relocation at 0x${relocation.offset.toString(16)} refers to symbol ${source.name || `#${source.index}`}, which is not linked`,
            {
              location: where,
              hint: 'relocations may name functions, variables, maps and sections with contents',
            },
          );
        }
        if (source.type === STT_SECTION) {
          const delta = layout.placements[n]!.get(source.sectionIndex)!.offset;
          if (delta !== 0) {
            if ((piece.output.flags & SHF_EXECINSTR) === 0n) {
              throw new UsageError(
                `relocation against section ${source.name} in non-code section ${piece.output.name}`,
                {
                  location: where,
                  hint: 'libbpf does not link these either; refer to a named variable instead',
                },
              );
            }
            const at = Number(relocation.offset);
            const imm = view.getInt32(at + 4, little);
            view.setInt32(at + 4, imm + (piece.bytes[at] === CALL ? delta / 8 : delta), little);
          }
        }
        list.push({
          offset: relocation.offset + BigInt(piece.offset),
          symbol,
          type: relocation.type,
          addend: relocation.addend,
        });
      }
    }
  });
  return out;
}
