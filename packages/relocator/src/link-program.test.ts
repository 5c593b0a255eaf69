import { type FunctionSpec, type Instruction, PseudoCall, PseudoSrc, RelocationError } from '@bpfkit/core';
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

function fn(
  name: string,
  instructions: Instruction[],
  relocations: FunctionSpec['relocations'] = [],
): FunctionSpec {
  return { name, section: '.text', sectionOffset: 0, instructions, relocations, global: false };
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
    expect(entry.instructions[0]!.imm).toBe(-1);
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
