import {
  type FunctionSpec,
  type Instruction,
  insertInstructions,
  type ProgramRelocation,
  PseudoCall,
  PseudoSrc,
  RelocationError,
  setLine,
  setMark,
  streamFromInstructions,
} from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { linkProgram } from './link-program.js';
import { resolveMapRelocations } from './resolve-maps.js';

const exit: Instruction = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
const call = (imm = -1): Instruction => ({ code: 0x85, dst: 0, src: PseudoCall.CALL, off: 0, imm });
const mov = (imm: number): Instruction => ({ code: 0xb7, dst: 0, src: 0, off: 0, imm });
const ldImm64: Instruction[] = [
  { code: 0x18, dst: 1, src: 0, off: 0, imm: 8 },
  { code: 0, dst: 0, src: 0, off: 0, imm: 0 },
];

function fn(name: string, instructions: Instruction[], relocations: ProgramRelocation[] = []): FunctionSpec {
  const references = relocations.map(({ instruction, ...reference }) => [instruction, reference] as const);
  return {
    name,
    section: '.text',
    sectionOffset: 0,
    instructions: streamFromInstructions(instructions, 'little', { references }),
    global: false,
  };
}

describe('linkProgram', () => {
  it('appends each called function once and makes calls pc-relative', () => {
    const leaf = fn('leaf', [mov(7), exit]);
    const middle = fn(
      'middle',
      [call(), call(), exit],
      [
        { kind: 'call', instruction: 0, function: 'leaf' },
        { kind: 'call', instruction: 1, function: 'leaf' },
      ],
    );
    const entry = fn(
      'entry',
      [call(), call(), exit],
      [
        { kind: 'call', instruction: 0, function: 'middle' },
        { kind: 'call', instruction: 1, function: 'leaf' },
      ],
    );
    const byName = new Map([leaf, middle].map((f) => [f.name, f]));
    const linked = linkProgram(entry, (n) => byName.get(n));

    expect(linked.layout.map((l) => [l.function, l.start])).toEqual([
      ['entry', 0],
      ['middle', 3],
      ['leaf', 6],
    ]);
    // entry[0] -> middle at 3: imm = 3 - 1; entry[1] -> leaf at 6: imm = 6 - 2.
    expect(linked.instructions[0]!.imm).toBe(2);
    expect(linked.instructions[1]!.imm).toBe(4);
    // middle[0] at 3 -> leaf at 6: imm = 6 - 4; middle[1] at 4: imm = 6 - 5.
    expect(linked.instructions[3]!.imm).toBe(2);
    expect(linked.instructions[4]!.imm).toBe(1);
    expect(linked.instructions.length).toBe(8);
    // the spec's own instructions are untouched
    expect(entry.instructions.bytes.slice(4, 8)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  });

  it('links functions edited after they were built: calls, map references and lines follow the edits', () => {
    const helper = fn(
      'helper',
      [...ldImm64.map((i) => ({ ...i })), exit],
      [{ kind: 'map-fd', instruction: 0, map: 'counts' }],
    );
    setLine(helper.instructions.lineInfo, 0, { fileNameOffset: 1, lineOffset: 2, line: 40, column: 1 });
    const entry = fn('entry', [mov(1), call(), exit], [{ kind: 'call', instruction: 1, function: 'helper' }]);
    setMark(entry.instructions.funcInfo, 0, 5);
    insertInstructions(entry.instructions, 0, [mov(2), mov(3)]);
    insertInstructions(helper.instructions, 2, [mov(4)]);
    const linked = linkProgram(entry, () => helper);
    // entry: 0 mov2, 1 mov3, 2 mov1, 3 call, 4 exit; helper at 5: ld_imm64 (5-6), mov4, exit
    expect(linked.instructions[3]).toMatchObject({ code: 0x85, src: PseudoCall.CALL, imm: 5 - 4 });
    expect(linked.relocations).toEqual([{ kind: 'map-fd', instruction: 5, map: 'counts' }]);
    expect(linked.funcInfo).toEqual([{ instruction: 0, typeId: 5 }]);
    expect(linked.lineInfo.map((l) => [l.instruction, l.line])).toEqual([[5, 40]]);
    expect(linked.instructions[7]).toMatchObject(mov(4));
  });

  it('turns callback loads into BPF_PSEUDO_FUNC with a relative offset', () => {
    const callback = fn('cb', [mov(0), exit]);
    const entry = fn(
      'entry',
      [...ldImm64.map((i) => ({ ...i })), exit],
      [{ kind: 'func-pointer', instruction: 0, function: 'cb' }],
    );
    const linked = linkProgram(entry, (n) => (n === 'cb' ? callback : undefined));
    expect(linked.instructions[0]).toMatchObject({ src: PseudoSrc.FUNC, imm: 3 - 1 });
  });

  it('re-bases the map relocations of appended functions', () => {
    const helper = fn(
      'helper',
      [...ldImm64.map((i) => ({ ...i })), exit],
      [{ kind: 'map-fd', instruction: 0, map: 'counts' }],
    );
    const entry = fn('entry', [call(), exit], [{ kind: 'call', instruction: 0, function: 'helper' }]);
    const linked = linkProgram(entry, () => helper);
    expect(linked.relocations).toEqual([{ kind: 'map-fd', instruction: 2, map: 'counts' }]);

    const rest = resolveMapRelocations(linked.instructions, linked.relocations, () => 42, 'entry');
    expect(rest).toEqual([]);
    expect(linked.instructions[2]).toMatchObject({ src: PseudoSrc.MAP_FD, imm: 42 });
  });

  it('names the missing callee', () => {
    const entry = fn('entry', [call(), exit], [{ kind: 'call', instruction: 0, function: 'nowhere' }]);
    expect(() => linkProgram(entry, () => undefined)).toThrow(RelocationError);
    expect(() => linkProgram(entry, () => undefined)).toThrow(/nowhere/);
  });
});

describe('resolveMapRelocations', () => {
  it('writes fd and value offset for global data references', () => {
    const insns = ldImm64.map((i) => ({ ...i }));
    resolveMapRelocations(
      insns,
      [{ kind: 'map-value', instruction: 0, map: '.bss', offset: 16 }],
      () => 9,
      'p',
    );
    expect(insns[0]).toMatchObject({ src: PseudoSrc.MAP_VALUE, imm: 9 });
    expect(insns[1]!.imm).toBe(16);
  });

  it('refuses a map that was not created, naming it', () => {
    const insns = ldImm64.map((i) => ({ ...i }));
    expect(() =>
      resolveMapRelocations(insns, [{ kind: 'map-fd', instruction: 0, map: 'ghost' }], () => undefined, 'p'),
    ).toThrow(/ghost/);
  });
});
