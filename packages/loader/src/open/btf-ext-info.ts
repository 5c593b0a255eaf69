import { type Btf, type BtfExtBlock, type BtfExtRecords, readBtfExtRecords } from '@bpfkit/btf';
import {
  addContext,
  LINE_MARK_WORDS as IMPORTED_LINE_MARK_WORDS,
  type InstructionStream,
  type LineTable,
  type ObjectFileView,
  pooledWords,
  setMark,
} from '@bpfkit/core';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const LINE_MARK_WORDS = IMPORTED_LINE_MARK_WORDS;

/**
 * The records of one block for one section, in insn_off order, left in the .BTF.ext bytes: no
 * object per record, as an open runs for every object. One run as the file stores it when it is
 * sorted already (what clang writes); otherwise `positions` lists the records in order.
 */
interface RecordList {
  view: DataView;
  littleEndian: boolean;
  start: number;
  count: number;
  recordSize: number;
  /** byte positions of the records in insn_off order, when they are not one sorted run */
  positions: number[] | undefined;
}

/** func_info, line_info and CO-RE records of one section, as .BTF.ext holds them (byte offsets). */
export interface SectionDebugInfo {
  btf: Btf;
  funcInfo: RecordList | undefined;
  lineInfo: RecordList | undefined;
  coreRelocations: RecordList | undefined;
}

type BlockName = 'funcInfo' | 'lineInfo' | 'coreRelocations';

/** Reads .BTF.ext into per-section records; undefined when the object has no .BTF.ext. */
export function readSectionDebugInfo(
  file: ObjectFileView,
  btf: Btf | undefined,
): Map<string, SectionDebugInfo> | undefined {
  const section = file.sections.find((s) => s.name === '.BTF.ext');
  if (!section || !btf) return undefined;
  let ext: BtfExtRecords;
  try {
    ext = readBtfExtRecords(file.sectionData(section.index), btf);
  } catch (error) {
    throw addContext(error, 'parse .BTF.ext', { object: file.name, section: '.BTF.ext' });
  }
  const bySection = new Map<string, SectionDebugInfo>();
  collectBlock(bySection, ext, ext.funcInfo, 'funcInfo', btf);
  collectBlock(bySection, ext, ext.coreRelos, 'coreRelocations', btf);
  collectBlock(bySection, ext, ext.lineInfo, 'lineInfo', btf);
  return bySection;
}

function collectBlock(
  bySection: Map<string, SectionDebugInfo>,
  ext: BtfExtRecords,
  block: BtfExtBlock,
  name: BlockName,
  btf: Btf,
): void {
  for (const run of block.runs) {
    let info = bySection.get(run.section);
    if (!info) {
      info = { btf, funcInfo: undefined, lineInfo: undefined, coreRelocations: undefined };
      bySection.set(run.section, info);
    }
    const list: RecordList = {
      view: ext.view,
      littleEndian: ext.littleEndian,
      start: run.start,
      count: run.count,
      recordSize: block.recordSize,
      positions: undefined,
    };
    const earlier = info[name];
    // the check that found the run also found whether it is in order
    info[name] = earlier ? merged(earlier, list) : run.sorted ? list : sortedList(list);
  }
}

function positionAt(list: RecordList, index: number): number {
  return list.positions ? list.positions[index]! : list.start + index * list.recordSize;
}

function insnOffAt(list: RecordList, index: number): number {
  return list.view.getUint32(positionAt(list, index), list.littleEndian);
}

/** A list out of insn_off order, with its positions sorted (stably). */
function sortedList(list: RecordList): RecordList {
  return withPositions(list, allPositions(list));
}

/** A section named twice in one block: its records together, in insn_off order (append order on ties). */
function merged(first: RecordList, second: RecordList): RecordList {
  return withPositions(first, [...allPositions(first), ...allPositions(second)]);
}

function allPositions(list: RecordList): number[] {
  const positions: number[] = [];
  for (let i = 0; i < list.count; i++) positions.push(positionAt(list, i));
  return positions;
}

function withPositions(list: RecordList, positions: number[]): RecordList {
  const { view, littleEndian } = list;
  positions.sort((a, b) => view.getUint32(a, littleEndian) - view.getUint32(b, littleEndian));
  return { ...list, count: positions.length, positions };
}

/**
 * Puts the records that fall inside one function into the metadata of its new stream (whose
 * line_info table is replaced, not merged into), keyed by slot index from its first instruction
 * (libbpf's adjust_prog_btf_ext_info). Fields are read in place (struct bpf_func_info,
 * bpf_line_info, bpf_core_relo).
 */
export function fillFunctionDebugInfo(
  stream: InstructionStream,
  info: SectionDebugInfo,
  start: number,
  end: number,
): void {
  const funcInfo = info.funcInfo;
  if (funcInfo) {
    const { view, littleEndian: le } = funcInfo;
    for (let i = lowerBound(funcInfo, start), n = funcInfo.count; i < n; i++) {
      const at = positionAt(funcInfo, i);
      const insnOff = view.getUint32(at, le);
      if (insnOff >= end) break;
      setMark(stream.funcInfo, (insnOff - start) / 8, view.getUint32(at + 4, le));
    }
  }
  const lineInfo = info.lineInfo;
  if (lineInfo) fillLineInfo(stream.lineInfo, lineInfo, start, end);
  const core = info.coreRelocations;
  if (core) {
    const { view, littleEndian: le } = core;
    for (let i = lowerBound(core, start), n = core.count; i < n; i++) {
      const at = positionAt(core, i);
      const insnOff = view.getUint32(at, le);
      if (insnOff >= end) break;
      stream.coreRelocations.set((insnOff - start) / 8, {
        typeId: view.getUint32(at + 4, le),
        accessString: info.btf.name(view.getUint32(at + 8, le)),
        kind: view.getUint32(at + 12, le),
      });
    }
  }
}

/**
 * The function's line_info marks, into the stream's empty table: each record's file_name_off,
 * line_off and line_col copied beside its instruction identity, into one pooled column (no object
 * per line). Records are in insn_off order; a later record for the same instruction replaces the
 * earlier, as setLine does.
 */
function fillLineInfo(table: LineTable, list: RecordList, start: number, end: number): void {
  const { view, littleEndian: le } = list;
  const first = lowerBound(list, start);
  const count = lowerBound(list, end) - first;
  if (count === 0) return;
  const marks = pooledWords(count * LINE_MARK_WORDS);
  let filled = 0;
  for (let i = first; i < first + count; i++) {
    const at = positionAt(list, i);
    const id = (view.getUint32(at, le) - start) / 8;
    if (filled > 0 && marks[filled - LINE_MARK_WORDS] === id) filled -= LINE_MARK_WORDS;
    marks[filled] = id;
    marks[filled + 1] = view.getUint32(at + 4, le);
    marks[filled + 2] = view.getUint32(at + 8, le);
    marks[filled + 3] = view.getUint32(at + 12, le);
    filled += LINE_MARK_WORDS;
  }
  // shortened only when records repeated an instruction
  table.marks = filled < marks.length ? marks.subarray(0, filled) : marks;
}

/** Index of the first record at or after byte `offset` of the section (records in insn_off order). */
function lowerBound(list: RecordList, offset: number): number {
  let low = 0;
  let high = list.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (insnOffAt(list, mid) < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
