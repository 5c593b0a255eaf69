import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ObjectBuilder, ProgramBuilder, R0, R1, R2, R6, R7, R8, R10 } from '@bpfkit/asm';
import {
  type FunctionSpec,
  instructionCount,
  MapType,
  type ObjectSpec,
  streamReferences,
} from '@bpfkit/core';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { kernelSkipReason } from './testing/kernel.js';

// packages/asm/src/fixtures/built_twin.bpf.c, compiled by scripts/build-fixtures.sh (clang-19 -O2).
const fixture = (order: 'bpfel' | 'bpfeb') =>
  fileURLToPath(new URL(`../../../packages/asm/src/fixtures/built_twin.${order}.o`, import.meta.url));

/** The fixture's program written with the builders, instruction for instruction as clang emits it. */
function builtTwin(byteOrder: 'little' | 'big'): ObjectSpec {
  const object = new ObjectBuilder('built_twin', { license: 'GPL', byteOrder });
  object.addMap({ name: 'twin_counts', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 });
  // static __noinline int bump(__u32 slot)
  object.addFunction(
    'bump',
    new ProgramBuilder()
      .store('u32', R10, -4, R1)
      .mov64Reg(R2, R10)
      .alu64Imm('add', R2, -4)
      .ldMapFd(R1, 'twin_counts')
      .call('map_lookup_elem')
      .jump('jeq', R0, 0, 'out')
      .mov64Imm(R1, 1)
      .atomic('add', 'u64', R0, 0, R1)
      .label('out')
      .exit(),
  );
  // SEC("socket") int twin_filter(struct __sk_buff *skb)
  object.addProgram(
    'twin_filter',
    'socket',
    new ProgramBuilder()
      .mov64Reg(R7, R1)
      .load('u32', R8, R7, 0) // skb->len
      .mov64Imm(R6, 0)
      .mov64Imm(R1, 1)
      .jump('jgt', R8, 100, 'count')
      .mov64Imm(R1, 0)
      .label('count')
      .callFunction('bump')
      .mov64Imm(R1, 101)
      .jump('jgt', R1, R8, 'done')
      .load('u32', R6, R7, 0)
      .label('done')
      .mov64Reg(R0, R6)
      .exit(),
  );
  return object.build();
}

/** The parts both front ends must agree on: everything but map sources and what BTF gives. */
function comparable(spec: ObjectSpec) {
  // symbols: the ELF symbol table open keeps for linking (a built object lists none)
  const { btf: _btf, btfExt: _btfExt, symbols: _symbols, maps, programs, functions, ...rest } = spec;
  // Func/line info and CO-RE records come from BTF.ext, labels from the builder: the rest must agree.
  const code = <T extends FunctionSpec>({ instructions, ...fn }: T) => {
    const { funcInfo: _f, lineInfo: _l, coreRelocations: _c, labels: _labels, ...stream } = instructions;
    return { ...fn, instructions: { ...stream, bytes: [...stream.bytes] } };
  };
  return {
    ...rest,
    programs: programs.map(code),
    functions: functions.map(code),
    maps: maps.map(({ source: _source, btfKeyTypeId: _k, btfValueTypeId: _v, ...map }) => map),
  };
}

describe('an object built in code and its C twin read from ELF', () => {
  for (const [order, byteOrder] of [
    ['bpfel', 'little'],
    ['bpfeb', 'big'],
  ] as const) {
    it(`give the same spec (${order}): programs, functions, maps and relocations`, () => {
      const fromElf = createLoader().open(fixture(order));
      const built = builtTwin(byteOrder);
      expect(comparable(built)).toEqual(comparable(fromElf));
      // Spelled out, so that an empty spec on both sides could not pass.
      expect(
        built.programs.map((p) => [
          p.name,
          instructionCount(p.instructions),
          streamReferences(p.instructions),
        ]),
      ).toEqual([['twin_filter', 12, [{ kind: 'call', instruction: 6, function: 'bump' }]]]);
      expect(streamReferences(built.functions[0]!.instructions)).toEqual([
        { kind: 'map-fd', instruction: 3, map: 'twin_counts' },
      ]);
      expect(fromElf.maps[0]!.source.format).toBe('legacy');
      expect(built.maps[0]!.source).toEqual({ format: 'builder', section: '', sectionIndex: -1, offset: 0 });
    });
  }

  const skip =
    kernelSkipReason() ??
    (spawnSync('bpftool', ['version']).status === 0 ? undefined : 'bpftool not installed');
  if (skip && process.env.BPFKIT_REQUIRE_KERNEL === '1') throw new Error(`kernel test required: ${skip}`);

  it.skipIf(skip)(
    `load into the kernel as the same program: xlated length and tag${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const loader = createLoader();
      using fromElf = await loader.load(loader.open(fixture('bpfel')));
      using built = await loader.load(builtTwin('little'));
      // The kernel's view from outside, through bpftool.
      const shown = [fromElf, built].map((loaded) => {
        const { id } = loaded.program('twin_filter').info();
        return JSON.parse(
          execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' }),
        ) as {
          tag: string;
          bytes_xlated: number;
          type: string;
        };
      });
      expect(shown[0]!.type).toBe('socket_filter');
      expect(shown[0]!.bytes_xlated).toBeGreaterThan(0);
      expect(shown[1]!.tag).toBe(shown[0]!.tag);
      expect(shown[1]!.bytes_xlated).toBe(shown[0]!.bytes_xlated);
      expect(built.program('twin_filter').info().tag).toBe(shown[0]!.tag);

      // And they behave alike: a 200-byte frame is kept and counted in slot 1, a 60-byte one dropped.
      for (const loaded of [fromElf, built]) {
        const program = loaded.program('twin_filter');
        const long = program.testRun({ data: new Uint8Array(200).fill(0x45, 12, 14) }).retval;
        const short = program.testRun({ data: new Uint8Array(60) }).retval;
        expect([long, short]).toEqual([200 - 14, 0]);
        const slot = (n: number) => loaded.map('twin_counts').lookup(Uint8Array.of(n, 0, 0, 0));
        expect([slot(0)?.[0], slot(1)?.[0]]).toEqual([1, 1]);
      }
    },
  );
});
