import { BtfBuilder } from '@bpfkit/btf';
import { createInstructionStream, lineEntries, type ObjectFileView } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { fillFunctionDebugInfo, readSectionDebugInfo } from './btf-ext-info.js';

/** struct btf_ext_header (32 bytes, little-endian) followed by func_info and line_info blocks. */
function btfExt(funcInfo: number[], lineInfo: number[]): Uint8Array {
  const words = [...funcInfo, ...lineInfo];
  const out = new Uint8Array(32 + words.length * 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  out[2] = 1; // version
  view.setUint32(4, 32, true); // hdr_len
  view.setUint32(8, 0, true); // func_info_off
  view.setUint32(12, funcInfo.length * 4, true);
  view.setUint32(16, funcInfo.length * 4, true); // line_info_off
  view.setUint32(20, lineInfo.length * 4, true);
  for (const [i, word] of words.entries()) view.setUint32(32 + i * 4, word, true);
  return out;
}

describe('.BTF.ext records read in place into a function stream', () => {
  const builder = new BtfBuilder();
  const section = builder.addString('prog');
  const file = builder.addString('prog.bpf.c');
  const line = builder.addString('return 0;');
  const btf = builder.build();
  const fileView = (ext: Uint8Array) =>
    ({
      name: 'test',
      sections: [{ index: 0, name: '.BTF.ext', type: 1, flags: 0n, size: ext.length, offset: 0 }],
      sectionData: () => ext,
    }) as unknown as ObjectFileView;

  it('puts records out of insn_off order, and a section named twice, in order on the right slots', () => {
    const ext = btfExt(
      // rec_size 8; "prog" with records at bytes 16, 0 and 8 (out of order)
      [8, section, 3, 16, 103, 0, 101, 8, 102],
      // rec_size 16; "prog" with a line at byte 24 (line 7 column 3), then "prog" again at 0 and 8
      [
        16,
        section,
        1,
        24,
        file,
        line,
        (7 << 10) | 3,
        section,
        2,
        0,
        file,
        line,
        5 << 10,
        8,
        file,
        line,
        6 << 10,
      ],
    );
    const info = readSectionDebugInfo(fileView(ext), btf)?.get('prog');
    if (!info) throw new Error('no records for prog');

    const first = createInstructionStream(new Uint8Array(24), 'little');
    fillFunctionDebugInfo(first, info, 0, 24);
    expect(first.funcInfo).toEqual({ ids: [0, 1, 2], values: [101, 102, 103] });
    expect(lineEntries(first.lineInfo).map(([id]) => id)).toEqual([0, 1]);

    // the second function starts at byte 24: its slots count from there
    const second = createInstructionStream(new Uint8Array(8), 'little');
    fillFunctionDebugInfo(second, info, 24, 32);
    expect(second.funcInfo.ids).toHaveLength(0);
    expect(lineEntries(second.lineInfo)).toEqual([
      [0, { fileNameOffset: file, lineOffset: line, line: 7, column: 3 }],
    ]);
  });

  it('keeps the later of two line records for one instruction, as setLine does', () => {
    // rec_size 16; "prog" with line 1 at byte 0, lines 2 and 3 both at byte 8, line 4 at byte 16
    const lines: [number, number][] = [
      [0, 1],
      [8, 2],
      [8, 3],
      [16, 4],
    ];
    const records = lines.flatMap(([insnOff, number]) => [insnOff, file, line, number << 10]);
    const ext = btfExt([8, section, 1, 0, 101], [16, section, lines.length, ...records]);
    const info = readSectionDebugInfo(fileView(ext), btf)?.get('prog');
    if (!info) throw new Error('no records for prog');
    const stream = createInstructionStream(new Uint8Array(24), 'little');
    fillFunctionDebugInfo(stream, info, 0, 24);
    expect(lineEntries(stream.lineInfo).map(([id, record]) => [id, record.line])).toEqual([
      [0, 1],
      [1, 3],
      [2, 4],
    ]);
    // a function from byte 8 takes the run's records from there, its slots counted from its start
    const later = createInstructionStream(new Uint8Array(16), 'little');
    fillFunctionDebugInfo(later, info, 8, 24);
    expect(lineEntries(later.lineInfo)).toEqual([
      [0, { fileNameOffset: file, lineOffset: line, line: 3, column: 0 }],
      [1, { fileNameOffset: file, lineOffset: line, line: 4, column: 0 }],
    ]);
  });
});
