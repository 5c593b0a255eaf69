import {
  bufferView,
  createInstructionStream,
  encodeInstructions,
  type Instruction,
  PseudoCall,
  RelocationError,
} from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { type FunctionExtent, recordLocalCalls } from './code-relocations.js';

const CALL = 0x85; // BPF_JMP | BPF_CALL
const EXIT: Instruction = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
const MOV_R0_0: Instruction = { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 };
const call = (src: number, imm: number): Instruction => ({ code: CALL, dst: 0, src, off: 0, imm });

/**
 * The extents of functions laid out one after another in one section (index 3), starting at byte
 * `lead` of a larger buffer, as a section lies in its file's bytes.
 */
function sectionOf(byteOrder: 'little' | 'big', functions: Record<string, Instruction[]>, lead = 24) {
  const code = encodeInstructions(Object.values(functions).flat(), byteOrder);
  const file = new Uint8Array(lead + code.length);
  file.set(code, lead);
  const section = file.subarray(lead);
  const extents: FunctionExtent[] = [];
  let start = 0;
  for (const [name, insns] of Object.entries(functions)) {
    const end = start + insns.length * 8;
    const stream = createInstructionStream(section.subarray(start, end), byteOrder);
    extents.push({
      name,
      sectionIndex: 3,
      start,
      end,
      bytes: stream.bytes,
      sectionView: bufferView(file.buffer),
      sectionBase: section.byteOffset,
      references: stream.references,
      stream,
      global: true,
    });
    start = end;
  }
  const functionAt = (sectionIndex: number, byteOffset: number) =>
    sectionIndex === 3 ? extents.find((f) => f.start === byteOffset) : undefined;
  return { extents, functionAt };
}

describe.each(['little', 'big'] as const)('recordLocalCalls (%s endian)', (byteOrder) => {
  it('names the function a pc-relative call lands on, and leaves helper calls and relocated calls alone', () => {
    // main (bytes 0..40): slot 1 calls `second` (byte 56 = 8 + (5 + 1) * 8), slot 2 a helper,
    // slot 3 a call whose relocation was recorded already; first: bytes 40..56; second: 56..80
    const { extents, functionAt } = sectionOf(byteOrder, {
      main: [MOV_R0_0, call(PseudoCall.CALL, 5), call(PseudoCall.HELPER, 5), call(PseudoCall.CALL, -1), EXIT],
      first: [MOV_R0_0, EXIT],
      second: [MOV_R0_0, call(PseudoCall.CALL, -4), EXIT],
    });
    const [main, , second] = extents;
    main!.references.set(3, { kind: 'extern', name: 'bpf_kfunc', offset: 0 });
    for (const fn of extents) recordLocalCalls(fn, functionAt, 'calls.o', '.text', byteOrder === 'little');
    expect([...main!.references]).toEqual([
      [3, { kind: 'extern', name: 'bpf_kfunc', offset: 0 }],
      [1, { kind: 'call', function: 'second' }],
    ]);
    // second's slot 1 (byte 64) calls back: 64 + (-4 + 1) * 8 = 40, where `first` starts
    expect([...second!.references]).toEqual([[1, { kind: 'call', function: 'first' }]]);
    expect(extents[1]!.references.size).toBe(0);
  });

  it('refuses a call that lands where no function starts, naming the function and instruction', () => {
    const { extents, functionAt } = sectionOf(byteOrder, {
      main: [MOV_R0_0, MOV_R0_0, call(PseudoCall.CALL, 2), EXIT],
      other: [MOV_R0_0, MOV_R0_0, EXIT],
    });
    let error: unknown;
    try {
      recordLocalCalls(extents[0]!, functionAt, 'calls.o', '.text', byteOrder === 'little');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RelocationError);
    // slot 2 is byte 16; it lands on byte 16 + (2 + 1) * 8 = 40, the second slot of `other`
    expect((error as RelocationError).message).toContain('byte 0x28');
    expect((error as RelocationError).location).toMatchObject({
      object: 'calls.o',
      section: '.text',
      program: 'main',
      instruction: 2,
    });
  });
});
