import { describe, expect, it } from 'vitest';
import { ProgramDefinitionError } from '../errors.js';
import type { Instruction } from './instruction.js';
import { encodeInstructions } from './instruction-codec.js';
import {
  createInstructionStream,
  instructionAt,
  instructionCount,
  streamFromInstructions,
  streamInstructions,
} from './instruction-stream.js';
import { concatStreams } from './stream-concat.js';
import { insertInstructions, removeInstructions, replaceInstructions } from './stream-edit.js';
import {
  encodeStream,
  labelIndex,
  setLabel,
  streamCoreRelocations,
  streamFuncInfo,
  streamLabels,
  streamLineInfo,
  streamReferences,
} from './stream-views.js';

const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });
const movImm = (dst: number, imm: number) => ins(0xb7, dst, 0, 0, imm); // r = imm
const ldImm64 = (dst: number) => [ins(0x18, dst), ins(0)];
const jeqImm = (dst: number, imm: number, off: number) => ins(0x15, dst, 0, off, imm);
const ja = (off: number) => ins(0x05, 0, 0, off);
const call = (imm: number, src = 0) => ins(0x85, 0, src, 0, imm);
const exit = () => ins(0x95);
const line = (n: number) => ({ fileNameOffset: 1, lineOffset: 2, line: n, column: 3 });

/**
 *  0: r1 = map counts (ld_imm64, 2 slots)        line 10, func 7
 *  2: if r0 == 0 goto +2 (-> 5)                   line 11
 *  3: call helper 1                               CO-RE? no; line 12
 *  4: r0 = 1                                      CO-RE record (patched imm)
 *  5: call sub (pseudo call, symbolic)            line 13
 *  6: ja -5 (-> 2)
 *  7: exit
 */
function sample(byteOrder: 'little' | 'big' = 'little') {
  const code = [...ldImm64(1), jeqImm(0, 0, 2), call(1), movImm(0, 1), call(-1, 1), ja(-5), exit()];
  return streamFromInstructions(code, byteOrder, {
    references: [
      [0, { kind: 'map-fd', map: 'counts' }],
      [5, { kind: 'call', function: 'sub' }],
    ],
    coreRelocations: [[4, { typeId: 3, accessString: '0:1', kind: 0 }]],
    funcInfo: [[0, 7]],
    lineInfo: [
      [0, line(10)],
      [2, line(11)],
      [3, line(12)],
      [5, line(13)],
    ],
    labels: [['loop', 2]],
  });
}

describe('InstructionStream', () => {
  it('keeps the bytes it is given as a view, and decodes only on request', () => {
    const section = encodeInstructions([movImm(0, 1), exit(), movImm(0, 2), exit()], 'big');
    const stream = createInstructionStream(section.subarray(16), 'big');
    expect(stream.bytes.buffer).toBe(section.buffer);
    expect(instructionCount(stream)).toBe(2);
    expect(instructionAt(stream, 0)).toEqual(movImm(0, 2));
    expect(encodeStream(stream, 'little').bytes).toEqual(
      encodeInstructions([movImm(0, 2), exit()], 'little'),
    );
  });

  it('inserting at the start keeps references, CO-RE, lines and the function start right', () => {
    const stream = sample();
    const original = stream.bytes;
    insertInstructions(stream, 0, [movImm(6, 42)]);
    expect(original).toEqual(sample().bytes); // copy on write: the source bytes are never touched
    expect(streamReferences(stream)).toEqual([
      { kind: 'map-fd', map: 'counts', instruction: 1 },
      { kind: 'call', function: 'sub', instruction: 6 },
    ]);
    expect(streamCoreRelocations(stream)).toEqual([
      { typeId: 3, accessString: '0:1', kind: 0, instruction: 5 },
    ]);
    // func_info and the first line move onto the prologue: the kernel wants both at instruction 0.
    expect(streamFuncInfo(stream)).toEqual([{ instruction: 0, typeId: 7 }]);
    expect(streamLineInfo(stream).map((l) => [l.instruction, l.line])).toEqual([
      [0, 10],
      [3, 11],
      [4, 12],
      [6, 13],
    ]);
    expect(instructionAt(stream, 0)).toEqual(movImm(6, 42));
    expect(instructionAt(stream, 1)).toMatchObject({ code: 0x18, dst: 1 });
  });

  it('inserting in the middle re-targets jumps across the edit and lands jumps to the point on the new code', () => {
    const stream = sample();
    insertInstructions(stream, 'loop', [movImm(7, 1), movImm(8, 2)]);
    const code = streamInstructions(stream);
    // 0-1 ld_imm64, 2-3 new, 4 jeq, 5 call, 6 mov, 7 pseudo call, 8 ja, 9 exit
    expect(code[4]).toEqual(jeqImm(0, 0, 2)); // still jumps to the pseudo call (4 + 1 + 2 = 7)
    expect(code[8]).toEqual(ja(-7)); // the back edge to 'loop' runs the new code: 8 + 1 - 7 = 2
    expect(code[7]).toEqual(call(-1, 1)); // symbolic calls keep the compiler's imm
    expect(labelIndex(stream, 'loop')).toBe(2);
    expect(streamLineInfo(stream).find((l) => l.line === 11)?.instruction).toBe(2);
  });

  it('edits big-endian code the same way', () => {
    const big = sample('big');
    const little = sample('little');
    for (const stream of [big, little]) insertInstructions(stream, 'loop', [movImm(7, 1)]);
    expect(streamInstructions(big)).toEqual(streamInstructions(little));
    expect(streamReferences(big)).toEqual(streamReferences(little));
  });

  it('fixes pc-relative calls the relocator does not link by name', () => {
    const big = streamFromInstructions([call(1, 1), exit(), movImm(0, 0), exit()], 'big');
    insertInstructions(big, 1, [movImm(0, 0)]);
    expect(instructionAt(big, 0)).toEqual(call(2, 1));
    const stream = streamFromInstructions([call(1, 1), exit(), movImm(0, 0), exit()], 'little');
    insertInstructions(stream, 1, [movImm(0, 0)]);
    expect(instructionAt(stream, 0)).toEqual(call(2, 1)); // still calls the function at (old) 2
  });

  it("replacing and removing drop the old instructions' metadata and keep the rest", () => {
    const stream = sample();
    replaceInstructions(stream, 4, 1, [
      { ...movImm(0, 9), reference: { kind: 'extern', name: 'x', offset: 0 } },
    ]);
    expect(streamCoreRelocations(stream)).toEqual([]);
    expect(streamReferences(stream).map((r) => [r.kind, r.instruction])).toEqual([
      ['map-fd', 0],
      ['extern', 4],
      ['call', 5],
    ]);
    removeInstructions(stream, 3, 2);
    const code = streamInstructions(stream);
    expect(code[2]).toEqual(jeqImm(0, 0, 0)); // its target (the call) is now next
    expect(code[4]).toEqual(ja(-3));
    expect(streamReferences(stream).map((r) => [r.kind, r.instruction])).toEqual([
      ['map-fd', 0],
      ['call', 3],
    ]);
    expect(streamLineInfo(stream).map((l) => [l.instruction, l.line])).toEqual([
      [0, 10],
      [2, 11],
      [3, 13],
    ]);
  });

  it('refuses edits that split a 64-bit load or push a jump out of range', () => {
    const stream = sample();
    expect(() => insertInstructions(stream, 1, [exit()])).toThrow(ProgramDefinitionError);
    expect(() => insertInstructions(stream, 0, [ins(0x18)])).toThrow(/first half of a 64-bit/);
    const far = streamFromInstructions([ja(1), exit(), exit()], 'little');
    expect(() => insertInstructions(far, 1, new Array(0x8000).fill(movImm(0, 0)))).toThrow(/span 32769/);
    expect(instructionCount(far)).toBe(3); // a refused edit changes nothing
  });

  it('survives structuredClone, and a clone edits independently', () => {
    const stream = sample();
    const copy = structuredClone(stream);
    insertInstructions(copy, 0, [movImm(6, 1)]);
    expect(instructionCount(stream)).toBe(8);
    expect(streamReferences(copy)[0]!.instruction).toBe(1);
    expect(streamReferences(stream)[0]!.instruction).toBe(0);
  });

  it('concatenates streams with their metadata, converting byte order', () => {
    const a = sample();
    insertInstructions(a, 0, [movImm(6, 1)]);
    const b = streamFromInstructions([movImm(0, 5), exit()], 'big', {
      funcInfo: [[0, 9]],
      lineInfo: [[0, line(30)]],
      labels: [['loop', 1]],
    });
    setLabel(b, 'tail', 1);
    const { stream, starts } = concatStreams([a, b], 'little');
    expect(starts).toEqual([0, 9]);
    expect(streamFuncInfo(stream)).toEqual([
      { instruction: 0, typeId: 7 },
      { instruction: 9, typeId: 9 },
    ]);
    expect(instructionAt(stream, 9)).toEqual(movImm(0, 5));
    expect(streamLabels(stream)).toEqual([
      { name: 'loop', instruction: 3 },
      { name: 'tail', instruction: 10 },
    ]);
    expect(encodeStream(stream, 'little').lineInfo.map((l) => l.instruction)).toEqual([0, 3, 4, 6, 9]);
  });
});
