import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttachType,
  type BpfkitError,
  insertInstructions,
  instructionAt,
  instructionCount,
  MapType,
  ProgramFlag,
  ProgramType,
  RelocationError,
  replaceInstructions,
  UsageError,
} from '@bpfkit/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ProgramBuilder } from './builder.js';
import { nativeByteOrder } from './byte-order.js';
import { ObjectBuilder } from './object-builder.js';
import { R0, R1 } from './registers.js';

const returnZero = () => new ProgramBuilder().mov64Imm(R0, 0).exit();

function thrown(run: () => unknown): BpfkitError {
  try {
    run();
  } catch (error) {
    return error as BpfkitError;
  }
  throw new Error('expected an error');
}

describe('ObjectBuilder', () => {
  it('types programs from their section name as the ELF collector does', () => {
    const b = new ObjectBuilder('typed');
    b.addProgram('on_xdp', 'xdp', returnZero());
    b.addProgram('lazy', '?socket', returnZero());
    b.addProgram('on_exec', 'tp/syscalls/sys_enter_execve', returnZero());
    b.addProgram('sleepy', 'fentry.s/do_unlinkat', returnZero());
    b.addProgram('odd', 'not_a_sec_name', returnZero());
    const [xdp, lazy, tp, sleepy, odd] = b.build().programs;

    expect(xdp).toMatchObject({
      type: ProgramType.XDP,
      expectedAttachType: AttachType.XDP,
      attachTarget: '',
      flags: 0,
      autoload: true,
      global: true,
      section: 'xdp',
      sectionOffset: 0,
      license: 'GPL',
      kernelVersion: 0,
    });
    expect(lazy).toMatchObject({ type: ProgramType.SOCKET_FILTER, autoload: false, section: '?socket' });
    expect(tp).toMatchObject({ type: ProgramType.TRACEPOINT, attachTarget: 'syscalls/sys_enter_execve' });
    expect(sleepy).toMatchObject({
      type: ProgramType.TRACING,
      expectedAttachType: AttachType.TRACE_FENTRY,
      attachTarget: 'do_unlinkat',
      flags: ProgramFlag.SLEEPABLE,
    });
    expect(odd).toMatchObject({ type: ProgramType.UNSPEC, expectedAttachType: 0, attachTarget: '' });
  });

  it('lets the caller override autoload either way', () => {
    const b = new ObjectBuilder('auto');
    b.addProgram('off', 'xdp', returnZero(), { autoload: false });
    b.addProgram('on', '?xdp', returnZero(), { autoload: true });
    expect(b.build().programs.map((p) => p.autoload)).toEqual([false, true]);
  });

  it('lays code out as an ELF object would: offsets grow per section', () => {
    const b = new ObjectBuilder('layout');
    b.addFunction('first', returnZero()); // 2 slots
    b.addFunction('second', returnZero(), { global: true });
    b.addProgram('a', 'xdp', returnZero());
    b.addProgram('b', 'xdp', returnZero());
    const spec = b.build();
    expect(spec.functions.map((f) => [f.name, f.section, f.sectionOffset, f.global])).toEqual([
      ['first', '.text', 0, false],
      ['second', '.text', 16, true],
    ]);
    expect(spec.programs.map((p) => p.sectionOffset)).toEqual([0, 16]);
  });

  it('fills map defaults and marks the source as built in code', () => {
    const b = new ObjectBuilder('maps');
    const added = b.addMap({ name: 'counts', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 });
    b.addMap({
      name: 'pinned',
      type: MapType.HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 16,
      flags: 1,
      pinning: { kind: 'by-name' },
    });
    expect(added).toEqual({
      name: 'counts',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 2,
      flags: 0,
      pinning: { kind: 'none' },
      source: { format: 'builder', section: '', sectionIndex: -1, offset: 0 },
    });
    expect(b.build().maps[1]).toMatchObject({ flags: 1, pinning: { kind: 'by-name' } });
  });

  it('keeps the object-level fields and passes BTF through untouched', () => {
    const btf = Uint8Array.of(0x9f, 0xeb, 1, 0);
    const b = new ObjectBuilder('meta', { license: 'Dual MIT/GPL', byteOrder: 'big', kernelVersion: 7, btf });
    b.addProgram('p', 'xdp', returnZero());
    const spec = b.build();
    expect(spec).toMatchObject({ name: 'meta', license: 'Dual MIT/GPL', byteOrder: 'big', kernelVersion: 7 });
    expect(spec.btf).toEqual(btf);
    expect(spec.programs[0]).toMatchObject({ license: 'Dual MIT/GPL', kernelVersion: 7 });
    expect(new ObjectBuilder('plain').build()).toEqual({
      name: 'plain',
      byteOrder: nativeByteOrder,
      license: 'GPL',
      kernelVersion: 0,
      programs: [],
      functions: [],
      maps: [],
    });
  });

  it('accepts a BuiltProgram or a ProgramBuilder and returns specs the caller may edit freely', () => {
    const b = new ObjectBuilder('copies');
    const built = returnZero().build();
    const program = b.addProgram('p', 'xdp', built);
    insertInstructions(program.instructions, 0, [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 99 }]);
    built.instructions[0]!.imm = 98;
    const spec = b.build();
    replaceInstructions(spec.programs[0]!.instructions, 0, 1, [
      { code: 0xb7, dst: 0, src: 0, off: 0, imm: 97 },
    ]);
    const again = b.build().programs[0]!.instructions;
    expect(instructionCount(again)).toBe(2);
    expect(instructionAt(again, 0).imm).toBe(0);
  });

  it('refuses a relocation to an undeclared map, naming the program and instruction', () => {
    const b = new ObjectBuilder('dangling');
    b.addMap({ name: 'known', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    b.addProgram('uses_map', 'xdp', returnZero().mov64Imm(R1, 0).ldMapFd(R1, 'missing').exit());
    const error = thrown(() => b.build());
    expect(error).toBeInstanceOf(RelocationError);
    expect(error.location).toMatchObject({ object: 'dangling', program: 'uses_map', instruction: 3 });
    expect(error.location.map).toBe('missing');
    expect(error.hint).toContain('known');
  });

  it('refuses a call to a function that was never added', () => {
    const b = new ObjectBuilder('calls');
    b.addFunction('helper_fn', returnZero());
    b.addProgram('main', 'socket', new ProgramBuilder().callFunction('helpr_fn').exit());
    const error = thrown(() => b.build());
    expect(error).toBeInstanceOf(RelocationError);
    expect(error.message).toContain('helpr_fn');
    expect(error.location).toMatchObject({ program: 'main', instruction: 0, symbol: 'helpr_fn' });
    expect(error.hint).toContain('helper_fn');
  });

  it('refuses a map-value offset past the value and a relocation on the wrong instruction', () => {
    const b = new ObjectBuilder('bad');
    b.addMap({ name: 'data', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
    b.addProgram('past', 'xdp', returnZero().ldMapValue(R1, 'data', 8).exit());
    expect(thrown(() => b.build()).message).toContain('byte 8 of map data');

    const c = new ObjectBuilder('misplaced');
    const built = returnZero().build();
    built.relocations.push({ kind: 'call', instruction: 1, function: 'p' });
    c.addProgram('p', 'xdp', built);
    const error = thrown(() => c.build());
    expect(error.message).toContain('not on a bpf-to-bpf call');
    expect(error.location.instruction).toBe(1);
  });

  it('refuses duplicate names and empty code', () => {
    const b = new ObjectBuilder('dupes');
    b.addFunction('same', returnZero());
    expect(thrown(() => b.addProgram('same', 'xdp', returnZero()))).toBeInstanceOf(UsageError);
    b.addMap({ name: 'm', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(
      thrown(() => b.addMap({ name: 'm', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 })),
    ).toBeInstanceOf(UsageError);
    expect(thrown(() => b.addProgram('empty', 'xdp', new ProgramBuilder())).message).toContain(
      'no instructions',
    );
    expect(thrown(() => b.addProgram('in_text', '.text', returnZero())).hint).toContain('addFunction');
  });
});

const dir = mkdtempSync(join(tmpdir(), 'asm-object-builder-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the README ObjectBuilder example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Objects built in code'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const file = join(dir, 'example.ts');
  writeFileSync(
    file,
    code.replace("'@bpfkit/asm'", JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))),
  );
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  const expected = code
    .split('\n')
    .filter((line) => line.startsWith('// prints: '))
    .map((line) => line.slice('// prints: '.length));
  expect(printed).toEqual(expected);
});
