import type { BtfBuilder, BtfExtSection } from '@bpfkit/btf';
import type { InputObject } from './input-object.js';
import type { OutputSectionPlan, SectionLayout } from './section-layout.js';
import { isOverridden, type OverriddenRange } from './symbol-resolution.js';

// struct bpf_func_info, bpf_line_info, bpf_core_relo: u32 fields only.
const FUNC_INFO_SIZE = 8;
const LINE_INFO_SIZE = 16;
const CORE_RELO_SIZE = 16;
const HEADER_SIZE = 32; // struct btf_ext_header with the core_relo fields
const BTF_MAGIC = 0xeb9f;

type Row = number[];

/**
 * Merges every input's .BTF.ext into the output's, as libbpf's linker_append_btf_ext does:
 * records follow their section, instruction offsets move by where the section landed, type ids
 * go through the BTF merge's maps, and string offsets (section, file and line text, CO-RE access
 * strings) are re-interned in the merged string table; records inside overridden weak functions
 * are dropped with their code's relocations. Undefined when no input has .BTF.ext.
 */
export function mergeBtfExt(
  objects: readonly InputObject[],
  layout: SectionLayout,
  typeMaps: readonly Int32Array[],
  builder: BtfBuilder,
  overridden: readonly OverriddenRange[],
): Uint8Array | undefined {
  if (objects.every((object) => object.btfExt === undefined)) return undefined;
  const funcInfo = new Map<OutputSectionPlan, Row[]>();
  const lineInfo = new Map<OutputSectionPlan, Row[]>();
  const coreRelos = new Map<OutputSectionPlan, Row[]>();
  objects.forEach((object, n) => {
    const ext = object.btfExt;
    if (!ext) return;
    const map = typeMaps[n]!;
    const each = <R>(
      sections: BtfExtSection<R>[],
      into: Map<OutputSectionPlan, Row[]>,
      row: (record: R, offset: number) => Row,
    ) => {
      for (const { section, records } of sections) {
        const source = object.file.sectionByName(section);
        const piece = source ? layout.placements[n]!.get(source.index) : undefined;
        if (!piece || piece.deduplicated) continue;
        const rows = into.get(piece.output) ?? [];
        into.set(piece.output, rows);
        for (const record of records) {
          // records of an overridden weak function's body describe dead code
          if (isOverridden(overridden, piece.output, (record as { insnOff: number }).insnOff + piece.offset))
            continue;
          rows.push(row(record, piece.offset));
        }
      }
    };
    each(ext.funcInfo, funcInfo, (r, offset) => [r.insnOff + offset, map[r.typeId]!]);
    each(ext.lineInfo, lineInfo, (r, offset) => [
      r.insnOff + offset,
      builder.addString(r.fileName),
      builder.addString(r.line),
      ((r.lineNumber << 10) | r.column) >>> 0,
    ]);
    each(ext.coreRelos, coreRelos, (r, offset) => [
      r.insnOff + offset,
      map[r.typeId]!,
      builder.addString(r.accessStr),
      r.kind,
    ]);
  });
  const little = objects[0]!.file.byteOrder === 'little';
  const blocks = [
    encodeBlock(funcInfo, FUNC_INFO_SIZE, builder, little),
    encodeBlock(lineInfo, LINE_INFO_SIZE, builder, little),
    encodeBlock(coreRelos, CORE_RELO_SIZE, builder, little),
  ];
  const out = new Uint8Array(HEADER_SIZE + blocks.reduce((sum, block) => sum + block.length, 0));
  const view = new DataView(out.buffer);
  view.setUint16(0, BTF_MAGIC, little);
  out[2] = 1; // version
  view.setUint32(4, HEADER_SIZE, little);
  let offset = 0;
  blocks.forEach((block, i) => {
    // *_off counts from the end of the header
    view.setUint32(8 + i * 8, offset, little);
    view.setUint32(12 + i * 8, block.length, little);
    out.set(block, HEADER_SIZE + offset);
    offset += block.length;
  });
  return out;
}

/** One info block: rec_size, then per section btf_ext_info_sec (sec_name_off, num_info) and records. */
function encodeBlock(
  rows: Map<OutputSectionPlan, Row[]>,
  recordSize: number,
  builder: BtfBuilder,
  little: boolean,
): Uint8Array {
  const sections = [...rows.entries()]
    .filter(([, list]) => list.length > 0)
    .sort(([a], [b]) => a.index - b.index);
  if (sections.length === 0) return new Uint8Array(0);
  const size = 4 + sections.reduce((sum, [, list]) => sum + 8 + list.length * recordSize, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, recordSize, little);
  let at = 4;
  for (const [section, list] of sections) {
    view.setUint32(at, builder.addString(section.name), little);
    view.setUint32(at + 4, list.length, little);
    at += 8;
    // records of one section stay sorted by instruction, as the kernel requires of func_info
    for (const row of [...list].sort((a, b) => a[0]! - b[0]!)) {
      for (const value of row) {
        view.setUint32(at, value, little);
        at += 4;
      }
    }
  }
  return out;
}
