import {
  type Btf,
  type BtfExt,
  type CoreReloRecord,
  type FuncInfoRecord,
  type LineInfoRecord,
  parseBtfExt,
} from '@bpfkit/btf';
import { addContext, type CoreRecord, type LineRecord, type ObjectFileView } from '@bpfkit/core';

/** func_info, line_info and CO-RE records of one section, as .BTF.ext holds them (byte offsets). */
export interface SectionDebugInfo {
  funcInfo: FuncInfoRecord[];
  lineInfo: LineInfoRecord[];
  coreRelocations: CoreReloRecord[];
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
  // The records are kept as parsed: no copy per record, as an open runs for every object.
  for (const s of ext.funcInfo) append(entry(s.section).funcInfo, s.records);
  for (const s of ext.coreRelos) append(entry(s.section).coreRelocations, s.records);
  for (const s of ext.lineInfo) append(entry(s.section).lineInfo, s.records);
  return bySection;
}

function append<T>(to: T[], records: readonly T[]): void {
  for (const record of records) to.push(record);
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
  const slot = (insnOff: number) => (insnOff - start) / 8;
  return {
    funcInfo: recordsWithin(info.funcInfo, start, end).map((r) => [slot(r.insnOff), r.typeId]),
    lineInfo: recordsWithin(info.lineInfo, start, end).map((r) => [
      slot(r.insnOff),
      { fileNameOffset: r.fileNameOff, lineOffset: r.lineOff, line: r.lineNumber, column: r.column },
    ]),
    coreRelocations: recordsWithin(info.coreRelocations, start, end).map((r) => [
      slot(r.insnOff),
      { typeId: r.typeId, accessString: r.accessStr, kind: r.kind },
    ]),
  };
}

/** The records in [start, end) of a list sorted by byte offset (sorted once, then binary search). */
function recordsWithin<R extends { insnOff: number }>(records: R[], start: number, end: number): R[] {
  if (!sortedLists.has(records)) {
    records.sort((a, b) => a.insnOff - b.insnOff);
    sortedLists.add(records);
  }
  const first = lowerBound(records, start);
  return records.slice(first, lowerBound(records, end, first));
}

const sortedLists = new WeakSet<object>();

function lowerBound(records: readonly { insnOff: number }[], offset: number, from = 0): number {
  let low = from;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.insnOff < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
