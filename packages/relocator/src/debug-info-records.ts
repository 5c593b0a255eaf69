import type { FuncInfo, LineInfo } from '@bpfkit/core';

/** sizeof(struct bpf_func_info) and sizeof(struct bpf_line_info), the record sizes PROG_LOAD takes. */
export const FUNC_INFO_SIZE = 8;
export const LINE_INFO_SIZE = 16;

/** struct bpf_func_info { insn_off, type_id } records in host (little-endian) order. */
export function encodeFuncInfo(records: readonly FuncInfo[]): Uint8Array {
  const bytes = new Uint8Array(records.length * FUNC_INFO_SIZE);
  const view = new DataView(bytes.buffer);
  records.forEach((r, i) => {
    view.setUint32(i * FUNC_INFO_SIZE, r.instruction, true);
    view.setUint32(i * FUNC_INFO_SIZE + 4, r.typeId, true);
  });
  return bytes;
}

/** struct bpf_line_info { insn_off, file_name_off, line_off, line_col = line << 10 | col }. */
export function encodeLineInfo(records: readonly LineInfo[]): Uint8Array {
  const bytes = new Uint8Array(records.length * LINE_INFO_SIZE);
  const view = new DataView(bytes.buffer);
  records.forEach((r, i) => {
    const at = i * LINE_INFO_SIZE;
    view.setUint32(at, r.instruction, true);
    view.setUint32(at + 4, r.fileNameOffset, true);
    view.setUint32(at + 8, r.lineOffset, true);
    view.setUint32(at + 12, ((r.line << 10) | (r.column & 0x3ff)) >>> 0, true);
  });
  return bytes;
}

/** The line_info record that covers an instruction: the last one at or before it. */
export function lineInfoAt(records: readonly LineInfo[], instruction: number): LineInfo | undefined {
  let best: LineInfo | undefined;
  for (const r of records) {
    if (r.instruction <= instruction && (!best || r.instruction >= best.instruction)) best = r;
  }
  return best;
}
