import { ObjectBuilder, ProgramBuilder, R0, R1 } from '@bpfkit/asm';
import { BtfBuilder, parseBtf } from '@bpfkit/btf';
import {
  MapType,
  type ObjectSpec,
  setMark,
  streamFuncInfo,
  streamReferences,
  UsageError,
} from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { generatedSpec, type Order, openFixture } from './fixtures.test-helpers.js';
import { SymbolConflictError } from './link-error.js';
import { linkSpecs } from './link-specs.js';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const code = (spec: ObjectSpec, name: string) =>
  [...spec.programs, ...spec.functions].find((fn) => fn.name === name)!;

describe('linkSpecs', () => {
  for (const order of ['bpfel', 'bpfeb'] as Order[]) {
    it(`binds a clang object's externs to generated code and lays both .data pieces out (${order})`, () => {
      const linked = linkSpecs([openFixture('plugin_host', order), generatedSpec(order)]);
      expect(linked.name).toBe('plugin_host');
      expect(linked.byteOrder).toBe(order === 'bpfel' ? 'little' : 'big');
      expect(linked.externs).toBeUndefined();
      expect(linked.programs.map((p) => p.name)).toEqual(['host']);
      expect(linked.functions.map((f) => f.name)).toEqual(['scale']);
      // the extern call became a bpf-to-bpf call; `factor` is the generated piece's first word
      const host = streamReferences(code(linked, 'host').instructions);
      expect(host.find((r) => r.kind === 'call')).toMatchObject({ function: 'scale', instruction: 11 });
      expect(host.filter((r) => r.kind === 'map-value').map((r) => [r.map, r.offset])).toEqual([
        ['.bss', 0],
        ['.data', 8],
        ['.data', 0],
      ]);
      // the generated code's own reference (`bonus`, .data+4) moved with its piece
      expect(streamReferences(code(linked, 'scale').instructions)).toMatchObject([
        { kind: 'map-value', map: '.data', offset: 12 },
      ]);
      const data = linked.maps.find((m) => m.name === '.data')!;
      expect(data.valueSize).toBe(16);
      const little = order === 'bpfel';
      const view = new DataView(data.initialData!.buffer, data.initialData!.byteOffset);
      expect([0, 4, 8, 12].map((at) => view.getUint32(at, little))).toEqual([7, 0, 6, 3]);
      expect(linked.symbols).toContainEqual(
        expect.objectContaining({ name: 'factor', kind: 'variable', map: '.data', offset: 8 }),
      );

      // one BTF in the object's byte order; the generated function is described by the extern's
      // prototype, made static (checked in its caller's context) with its parameters named
      const btf = parseBtf(linked.btf!);
      expect(btf.byteOrder).toBe(linked.byteOrder);
      const [funcInfo] = streamFuncInfo(code(linked, 'scale').instructions);
      const func = btf.typeById(funcInfo!.typeId);
      expect(func).toMatchObject({ kind: 'FUNC', name: 'scale', linkage: 'static' });
      expect(btf.formatType(funcInfo!.typeId)).toBe('int scale(int, int)');
      const proto = btf.typeById(btf.sizeOrTypeOf(funcInfo!.typeId));
      expect(proto.kind === 'FUNC_PROTO' && proto.params.map((p) => p.name)).toEqual(['arg1', 'arg2']);
      expect(btf.typeById(data.btfValueTypeId!)).toMatchObject({ kind: 'DATASEC', name: '.data', size: 16 });
    });
  }

  it('refuses an extern variable whose type differs from its definition, naming both objects', () => {
    const error = thrown(() => linkSpecs([openFixture('plugin_host'), openFixture('plugin_other')]));
    expect(error).toBeInstanceOf(SymbolConflictError);
    expect(error).toMatchObject({ symbol: 'factor', objects: ['plugin_host', 'plugin_other'] });
    expect(error.message).toContain('sizes differ: 4 and 8 bytes');
  });

  it('refuses generated code whose BTF prototype differs from the extern declaration', () => {
    const generated = generatedSpec();
    // the plugin describes its function in BTF, with one parameter where the host passes two
    const builder = new BtfBuilder();
    const int = builder.addInt('int', 4, { signed: true });
    const proto = builder.add({
      kind: 'FUNC_PROTO',
      name: '',
      returnType: int,
      params: [{ name: 'x', type: int }],
    });
    const func = builder.add({ kind: 'FUNC', name: 'scale', linkage: 'global', type: proto });
    generated.btf = builder.encode();
    setMark(generated.functions[0]!.instructions.funcInfo, 0, func);
    const error = thrown(() => linkSpecs([openFixture('plugin_host'), generated]));
    expect(error).toBeInstanceOf(SymbolConflictError);
    expect(error).toMatchObject({ symbol: 'scale', objects: ['plugin_host', 'generated'] });
    expect(error.message).toContain('incompatible number of parameters: 2 and 1');
  });

  it('refuses two strong definitions of a name; a weak one gives way', () => {
    const first = generatedSpec('bpfel', 'gen_a');
    const second = generatedSpec('bpfel', 'gen_b');
    const both = thrown(() => linkSpecs([first, second]));
    expect(both).toBeInstanceOf(SymbolConflictError);
    expect(both).toMatchObject({ symbol: 'factor', objects: ['gen_a', 'gen_b'] });
    expect(both.message).toBe('variable factor is defined in both gen_a and gen_b');

    second.symbols = [{ ...second.symbols![0]!, weak: true }];
    expect(thrown(() => linkSpecs([first, second]))).toMatchObject({
      symbol: 'scale',
      objects: ['gen_a', 'gen_b'],
      message: 'function scale is defined in both gen_a and gen_b',
    });

    second.symbols.push({ name: 'scale', kind: 'function', weak: true, hidden: false });
    const linked = linkSpecs([second, first]);
    // the strong definitions win although they come second: one scale, gen_a's factor
    expect(linked.functions.map((f) => f.name)).toEqual(['scale']);
    expect(linked.symbols).toContainEqual(
      expect.objectContaining({ name: 'factor', offset: 8, weak: false }),
    );
    expect(streamReferences(linked.functions[0]!.instructions)).toMatchObject([
      { kind: 'map-value', map: '.data', offset: 12 },
    ]);
  });

  it('keeps static functions apart: a name another spec uses is renamed and its calls follow', () => {
    const spec = (name: string, section: string, result: number) => {
      const builder = new ObjectBuilder(name);
      builder.addFunction('helper', new ProgramBuilder().mov64Imm(R0, result).exit());
      builder.addProgram(`prog_${name}`, section, new ProgramBuilder().callFunction('helper').exit());
      return builder.build();
    };
    const linked = linkSpecs([spec('a', 'xdp', 1), spec('b', 'socket', 2)]);
    expect(linked.functions.map((f) => f.name)).toEqual(['helper', 'helper@b']);
    const callOf = (program: string) => streamReferences(code(linked, program).instructions)[0];
    expect(callOf('prog_a')).toMatchObject({ kind: 'call', function: 'helper' });
    expect(callOf('prog_b')).toMatchObject({ kind: 'call', function: 'helper@b' });
    expect(linked.btf).toBeUndefined();
  });

  it('merges the externs left to the loader: weak only where every declaration is', () => {
    const linked = linkSpecs([openFixture('vars_a'), openFixture('vars_b')]);
    expect(linked.externs).toEqual([
      { name: 'CONFIG_BPF_SYSCALL', weak: false },
      { name: 'LINUX_KERNEL_VERSION', weak: false },
      { name: 'bpf_link_fops', weak: true },
    ]);
    // one extern VAR per name in the merged BTF, as the loader's extern plan wants
    const btf = parseBtf(linked.btf!);
    expect(btf.findByName('CONFIG_BPF_SYSCALL', 'VAR')).toHaveLength(1);
    expect(btf.findByName('.kconfig', 'DATASEC')).toHaveLength(1);
  });

  it("shares a clang object's map with generated code that declares it the same way; refuses another shape", () => {
    const counting = (maxEntries: number) => {
      const builder = new ObjectBuilder('counter');
      builder.addMap({ name: 'hits', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries });
      builder.addProgram('count', 'socket', new ProgramBuilder().ldMapFd(R1, 'hits').mov64Imm(R0, 0).exit());
      return builder.build();
    };
    const linked = linkSpecs([openFixture('funcs_a'), counting(4)]);
    expect(linked.maps.filter((m) => m.name === 'hits')).toHaveLength(1);
    expect(linked.maps.find((m) => m.name === 'hits')!.source.format).toBe('btf');
    expect(streamReferences(code(linked, 'count').instructions)).toMatchObject([
      { kind: 'map-fd', map: 'hits' },
    ]);

    const error = thrown(() => linkSpecs([openFixture('funcs_a'), counting(5)]));
    expect(error).toBeInstanceOf(SymbolConflictError);
    expect(error).toMatchObject({ symbol: 'hits', objects: ['funcs_a', 'counter'] });
    expect(error.message).toBe('global hits: maxEntries is 4 in one and 5 in the other');
  });

  it('leaves its inputs as they were', () => {
    const host = openFixture('plugin_host');
    const generated = generatedSpec();
    const before = structuredClone([host, generated]);
    linkSpecs([host, generated]);
    expect([host, generated]).toEqual(before);
  });

  it('refuses specs of two byte orders or licenses, and nothing at all', () => {
    const error = thrown(() => linkSpecs([openFixture('plugin_host'), generatedSpec('bpfeb')]));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('generated is big-endian but plugin_host is little-endian');
    expect(thrown(() => linkSpecs([]))).toBeInstanceOf(UsageError);
    const bsd = generatedSpec();
    bsd.license = 'Dual BSD/GPL';
    expect(thrown(() => linkSpecs([openFixture('plugin_host'), bsd])).message).toBe(
      'generated has license "Dual BSD/GPL" but plugin_host "GPL"',
    );
  });

  it('leaves what no spec defines extern, for the loader to resolve or refuse', () => {
    const linked = linkSpecs([openFixture('plugin_host')]);
    expect(linked.externs).toEqual([
      { name: 'factor', weak: false },
      { name: 'scale', weak: false },
    ]);
    expect(streamReferences(code(linked, 'host').instructions)).toContainEqual(
      expect.objectContaining({ kind: 'extern', name: 'scale' }),
    );
  });
});
