import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  insertInstructions,
  instructionAt,
  type NewInstruction,
  streamCoreRelocations,
  streamLineInfo,
  streamReferences,
  VerifierError,
} from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadedObject } from './live/loaded-object.js';
import { globalVariables } from './variables.js';

// fixtures/instruction_edits.bpf.c, built by scripts/build-fixtures.sh.
const fixture = new URL('./fixtures/instruction_edits.bpfel.o', import.meta.url).pathname;
const source = readFileSync(new URL('./fixtures/instruction_edits.bpf.c', import.meta.url), 'utf8');
/** The C line the middle edit goes in front of: `bump(1);`. */
const middleLine = source.split('\n').findIndex((l) => l.includes('the middle edit goes')) + 1;

const skip =
  kernelSkipReason() ??
  (spawnSync('bpftool', ['version']).status === 0 ? undefined : 'bpftool not installed');
if (skip && process.env.BPFKIT_REQUIRE_KERNEL === '1') throw new Error(`kernel test required: ${skip}`);

const loader = createLoader();
const SHORT = new Uint8Array(60);
const LONG = new Uint8Array(200);

/** `lock *(u64 *)(.bss + offset) += 1` through r2 and r3, which are dead where it goes. */
function incrementBss(offset: number): NewInstruction[] {
  return [
    { code: 0x18, dst: 2, src: 0, off: 0, imm: 0, reference: { kind: 'map-value', map: '.bss', offset } },
    { code: 0x00, dst: 0, src: 0, off: 0, imm: 0 },
    { code: 0xb7, dst: 3, src: 0, off: 0, imm: 1 }, // r3 = 1
    { code: 0xdb, dst: 2, src: 3, off: 0, imm: 0 }, // lock *(u64 *)(r2 + 0) += r3
  ];
}

function openFilter() {
  const spec = loader.open(fixture);
  const program = spec.programs.find((p) => p.name === 'edited_filter')!;
  const bss = (name: string) => globalVariables(spec).find((v) => v.name === name)!.offset;
  /** Where the C line of the middle edit starts: found through line info, not a hard-coded index. */
  const middle = () => streamLineInfo(program.instructions).find((l) => l.line === middleLine)!.instruction;
  return { spec, program, bss, middle };
}

function run(loaded: LoadedObject) {
  const program = loaded.program('edited_filter');
  const retvals = [program.testRun({ data: SHORT }).retval, program.testRun({ data: LONG }).retval];
  const calls = [0, 1].map((slot) => {
    const value = loaded.map('calls').lookup(Uint8Array.of(slot, 0, 0, 0))!;
    return new DataView(value.buffer, value.byteOffset).getBigUint64(0, true);
  });
  return { retvals, calls, pidOffset: loaded.readVariable('pid_offset') };
}

describe('edits between open and load keep every reference, CO-RE record and line right', () => {
  it('moves the metadata with the instructions in the spec', () => {
    const { program, bss, middle } = openFilter();
    const before = {
      references: streamReferences(program.instructions),
      core: streamCoreRelocations(program.instructions),
      middle: middle(),
    };
    expect(before.references.map((r) => r.kind)).toEqual(['call', 'map-value', 'call']);
    expect(before.core).toHaveLength(1);

    insertInstructions(program.instructions, 0, incrementBss(bss('prologue_runs')));
    insertInstructions(program.instructions, middle(), incrementBss(bss('middle_runs')));

    // Four slots before every old instruction; four more after the middle edit.
    const moved = (i: number) => i + 4 + (i >= before.middle ? 4 : 0);
    expect(streamReferences(program.instructions)).toEqual([
      { kind: 'map-value', map: '.bss', offset: bss('prologue_runs'), instruction: 0 },
      ...before.references.slice(0, 2).map((r) => ({ ...r, instruction: moved(r.instruction) })),
      { kind: 'map-value', map: '.bss', offset: bss('middle_runs'), instruction: before.middle + 4 },
      ...before.references.slice(2).map((r) => ({ ...r, instruction: moved(r.instruction) })),
    ]);
    const core = streamCoreRelocations(program.instructions);
    expect(core).toEqual([{ ...before.core[0]!, instruction: moved(before.core[0]!.instruction) }]);
    // The CO-RE record still sits on the mov that holds the local offset of task_struct.pid (4).
    expect(instructionAt(program.instructions, core[0]!.instruction)).toMatchObject({ code: 0xb7, imm: 4 });
    // The C line of the middle edit now starts at the inserted code.
    expect(middle()).toBe(before.middle + 4);
  });

  it.skipIf(skip)(
    `load and run in the kernel as before, plus the inserted effects${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      using original = await loader.load(openFilter().spec);
      const expected = run(original);
      expect(expected.retvals).toEqual([0, 1]);
      expect(expected.calls).toEqual([2n, 1n]); // bump(0) on each run, bump(1) on the short frame
      expect(expected.pidOffset).not.toBe(4n); // CO-RE moved it from the local struct's offset

      const { spec, program, bss, middle } = openFilter();
      insertInstructions(program.instructions, 0, incrementBss(bss('prologue_runs')));
      insertInstructions(program.instructions, middle(), incrementBss(bss('middle_runs')));
      using edited = await loader.load(spec);
      expect(run(edited)).toEqual(expected);
      expect(edited.readVariable('prologue_runs')).toBe(2n); // the start runs every time
      // The jump over bump(1) on long frames now jumps over the inserted code too.
      expect(edited.readVariable('middle_runs')).toBe(1n);

      // The kernel's view: bpftool's translated code has the map references where they were put.
      const { id } = edited.program('edited_filter').info();
      const xlated = JSON.parse(
        execFileSync('bpftool', ['-j', 'prog', 'dump', 'xlated', 'id', String(id)], { encoding: 'utf8' }),
      ) as { disasm: string }[];
      // bpftool prints "(18) r2 = map[id:7][0]+8": the opcode, then the instruction.
      const text = xlated.map((insn) => insn.disasm.replace(/^\([0-9a-f]{2}\) /, ''));
      const bssId = edited.map('.bss').info().id;
      const callsId = edited.map('calls').info().id;
      const mapRefs = text.flatMap((t, i) => (t.includes('map[id:') ? [[i, t] as const] : []));
      expect(mapRefs.map(([, t]) => t.replace(/^r\d+ = /, ''))).toEqual([
        `map[id:${bssId}][0]+${bss('prologue_runs')}`,
        `map[id:${bssId}][0]+${bss('pid_offset')}`,
        `map[id:${bssId}][0]+${bss('middle_runs')}`,
        `map[id:${callsId}]`,
      ]);
      expect(mapRefs[0]![0]).toBe(0); // the prologue is the program's first instruction
      // The middle reference follows the length check, whose jump now skips 4 more slots.
      const check = text[mapRefs[2]![0] - 1]!;
      expect(check).toMatch(/^if r\d+ > 0x64 goto pc\+7$/);
    },
  );

  it.skipIf(skip)(
    `a refused edit names the C line it was inserted at${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const { spec, program, middle } = openFilter();
      // *(u64 *)(r10 + 8) = 0: above the frame, which the verifier always refuses.
      insertInstructions(program.instructions, middle(), [{ code: 0x7a, dst: 10, src: 0, off: 8, imm: 0 }]);
      const error = await loader.load(spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VerifierError);
      const verifier = error as VerifierError;
      expect(verifier.log).toMatch(/invalid (write to stack|stack off)/);
      expect(verifier.location.source).toMatchObject({ line: middleLine });
      expect(verifier.location.source?.file).toMatch(/instruction_edits\.bpf\.c$/);
      expect(verifier.message).toContain('bump(1);');
    },
  );
});
