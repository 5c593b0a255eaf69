import { type Btf, type BtfExt, parseBtfExt } from '@bpfkit/btf';
import { addContext, type CoreRecord, type LineRecord, type ObjectFileView } from '@bpfkit/core';

/** func_info and line_info records of one section, with byte offsets inside that section. */
export interface SectionDebugInfo {
  funcInfo: { byteOffset: number; typeId: number }[];
  coreRelocations: { byteOffset: number; typeId: number; accessString: string; kind: number }[];
  lineInfo: {
    byteOffset: number;
    fileNameOffset: number;
    lineOffset: number;
    line: number;
    column: number;
  }[];
}

/** Reads .BTF.ext into per-section records; undefined when the object has no .BTF.ext. */
export function readSectionDebugInfo(
  file: ObjectFileView,
  btf: Btf | undefined,
): Map<string, SectionDebugInfo> | undefined {
  const section = file.sections.find((s) => s.name === '.BTF.ext');
  if (!section || !btf) return undefined;
  let ext: BtfExt;
  try {
    ext = parseBtfExt(file.sectionData(section.index), btf);
  } catch (error) {
    throw addContext(error, 'parse .BTF.ext', { object: file.name, section: '.BTF.ext' });
  }
  const bySection = new Map<string, SectionDebugInfo>();
  const entry = (name: string) => {
    let info = bySection.get(name);
    if (!info) {
      info = { funcInfo: [], lineInfo: [], coreRelocations: [] };
      bySection.set(name, info);
    }
    return info;
  };
  for (const s of ext.funcInfo) {
    entry(s.section).funcInfo.push(...s.records.map((r) => ({ byteOffset: r.insnOff, typeId: r.typeId })));
  }
  for (const s of ext.coreRelos) {
    entry(s.section).coreRelocations.push(
      ...s.records.map((r) => ({
        byteOffset: r.insnOff,
        typeId: r.typeId,
        accessString: r.accessStr,
        kind: r.kind,
      })),
    );
  }
  for (const s of ext.lineInfo) {
    entry(s.section).lineInfo.push(
      ...s.records.map((r) => ({
        byteOffset: r.insnOff,
        fileNameOffset: r.fileNameOff,
        lineOffset: r.lineOff,
        line: r.lineNumber,
        column: r.column,
      })),
    );
  }
  return bySection;
}

/**
 * The records that fall inside one function, keyed by slot index from its first instruction
 * (libbpf's adjust_prog_btf_ext_info): the instruction stream's metadata.
 */
export function functionDebugInfo(
  info: SectionDebugInfo | undefined,
  start: number,
  end: number,
): {
  funcInfo?: [number, number][];
  lineInfo?: [number, LineRecord][];
  coreRelocations?: [number, CoreRecord][];
} {
  if (!info) return {};
  const within = <R extends { byteOffset: number }>(records: R[]) => recordsWithin(records, start, end);
  const slot = (byteOffset: number) => (byteOffset - start) / 8;
  return {
    funcInfo: within(info.funcInfo).map((r) => [slot(r.byteOffset), r.typeId]),
    lineInfo: within(info.lineInfo).map(({ byteOffset, ...rest }) => [slot(byteOffset), rest]),
    coreRelocations: within(info.coreRelocations).map(({ byteOffset, ...rest }) => [slot(byteOffset), rest]),
  };
}

/** The records in [start, end) of a list sorted by byte offset (sorted once, then binary search). */
function recordsWithin<R extends { byteOffset: number }>(records: R[], start: number, end: number): R[] {
  if (!sortedLists.has(records)) {
    records.sort((a, b) => a.byteOffset - b.byteOffset);
    sortedLists.add(records);
  }
  const first = lowerBound(records, start);
  return records.slice(first, lowerBound(records, end, first));
}

const sortedLists = new WeakSet<object>();

function lowerBound(records: readonly { byteOffset: number }[], offset: number, from = 0): number {
  let low = from;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.byteOffset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
