import {
  type Btf,
  type BtfExt,
  type CoreReloRecord,
  type FuncInfoRecord,
  type LineInfoRecord,
  parseBtfExt,
} from '@bpfkit/btf';
import { addContext, type InstructionStream, type ObjectFileView } from '@bpfkit/core';

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
 * Puts the records that fall inside one function into its stream's maps, keyed by slot index
 * from its first instruction (libbpf's adjust_prog_btf_ext_info): the stream's metadata.
 */
export function fillFunctionDebugInfo(
  stream: InstructionStream,
  info: SectionDebugInfo,
  start: number,
  end: number,
): void {
  const funcInfo = info.funcInfo;
  for (let i = firstWithin(funcInfo, start), n = funcInfo.length; i < n; i++) {
    const r = funcInfo[i]!;
    if (r.insnOff >= end) break;
    stream.funcInfo.set((r.insnOff - start) / 8, r.typeId);
  }
  const lineInfo = info.lineInfo;
  for (let i = firstWithin(lineInfo, start), n = lineInfo.length; i < n; i++) {
    const r = lineInfo[i]!;
    if (r.insnOff >= end) break;
    stream.lineInfo.set((r.insnOff - start) / 8, {
      fileNameOffset: r.fileNameOff,
      lineOffset: r.lineOff,
      line: r.lineNumber,
      column: r.column,
    });
  }
  const core = info.coreRelocations;
  for (let i = firstWithin(core, start), n = core.length; i < n; i++) {
    const r = core[i]!;
    if (r.insnOff >= end) break;
    stream.coreRelocations.set((r.insnOff - start) / 8, {
      typeId: r.typeId,
      accessString: r.accessStr,
      kind: r.kind,
    });
  }
}

/** Index of the first record at or after `start` in a list sorted by byte offset (sorted once). */
function firstWithin<R extends { insnOff: number }>(records: R[], start: number): number {
  if (!sortedLists.has(records)) {
    records.sort((a, b) => a.insnOff - b.insnOff);
    sortedLists.add(records);
  }
  return lowerBound(records, start);
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
