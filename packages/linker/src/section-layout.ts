import { SHF_EXECINSTR, SHT_NOBITS, UsageError } from '@bpfkit/core';
import { DEDUPLICATED_SECTIONS, type InputObject, isLinkedSection } from './input-object.js';

/** A section of the output: the same-named sections of every input, one after another. */
export interface OutputSectionPlan {
  /** 1-based index in the output's section list */
  index: number;
  name: string;
  type: number;
  flags: bigint;
  align: number;
  size: number;
  /** each input's contribution, in link order */
  pieces: SectionPiece[];
}

/** Where one input section landed in the output. */
export interface SectionPiece {
  output: OutputSectionPlan;
  /** byte offset of the input section's start inside the output section */
  offset: number;
  /** a private copy of the input's bytes (empty for NOBITS), patched by relocation re-basing */
  bytes: Uint8Array;
  /** true when this copy was dropped as a duplicate of an equal earlier one (license, version) */
  deduplicated: boolean;
}

/** Output sections in order of first appearance, and per input: section index -> its piece. */
export interface SectionLayout {
  sections: OutputSectionPlan[];
  placements: Map<number, SectionPiece>[];
}

/**
 * Lays out the output: libbpf's linker_append_sec_data. Sections of the same name must agree in
 * type and flags; each input's copy is appended at its own alignment (code at 8 bytes), except
 * license and version, which are kept once and must be equal everywhere.
 */
export function layOutSections(objects: readonly InputObject[]): SectionLayout {
  const byName = new Map<string, OutputSectionPlan>();
  const sections: OutputSectionPlan[] = [];
  const placements = objects.map((object) => {
    const placed = new Map<number, SectionPiece>();
    for (const section of object.file.sections) {
      if (!isLinkedSection(section)) continue;
      const header = object.file.sectionHeader(section.index);
      const exec = (section.flags & SHF_EXECINSTR) !== 0n;
      const align = Math.max(1, Number(header.addralign), exec ? 8 : 1);
      let output = byName.get(section.name);
      if (!output) {
        output = {
          index: sections.length + 1,
          name: section.name,
          type: section.type,
          flags: section.flags,
          align,
          size: 0,
          pieces: [],
        };
        byName.set(section.name, output);
        sections.push(output);
      } else if (output.type !== section.type || output.flags !== section.flags) {
        throw new UsageError(
          `section ${section.name} of ${object.name} has type ${section.type} and flags 0x${section.flags.toString(16)}, but an earlier object's has type ${output.type} and flags 0x${output.flags.toString(16)}`,
          {
            location: { object: object.name, section: section.name },
            hint: 'same-named sections are merged and must be of one kind',
          },
        );
      }
      const bytes =
        section.type === SHT_NOBITS
          ? new Uint8Array(0)
          : new Uint8Array(object.file.sectionData(section.index));
      if (DEDUPLICATED_SECTIONS.has(section.name) && output.pieces.length > 0) {
        const first = output.pieces[0]!;
        if (!sameBytes(first.bytes, bytes)) {
          throw new UsageError(`section ${section.name} of ${object.name} differs from an earlier object's`, {
            location: { object: object.name, section: section.name },
            hint: `every object must carry the same ${section.name} (e.g. the same LICENSE string)`,
          });
        }
        placed.set(section.index, { output, offset: first.offset, bytes, deduplicated: true });
        continue;
      }
      output.align = Math.max(output.align, align);
      const offset = Math.ceil(output.size / align) * align;
      const piece: SectionPiece = { output, offset, bytes, deduplicated: false };
      output.pieces.push(piece);
      output.size = offset + section.size;
      placed.set(section.index, piece);
    }
    return placed;
  });
  return { sections, placements };
}

/** The output section's contents: every piece at its offset, zeros between them. */
export function sectionContents(section: OutputSectionPlan): Uint8Array {
  if (section.type === SHT_NOBITS) return new Uint8Array(0);
  const out = new Uint8Array(section.size);
  for (const piece of section.pieces) out.set(piece.bytes, piece.offset);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
