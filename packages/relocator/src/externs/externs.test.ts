import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeInstructions } from '@bpfkit/asm';
import { BtfBuilder, parseBtf } from '@bpfkit/btf';
import { type Instruction, type ProgramRelocation, RelocationError } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { layoutExternDatasecs } from './extern-datasecs.js';
import { planExterns } from './extern-plan.js';
import { type ExternTarget, resolveExternTargets } from './extern-targets.js';
import { parseKallsyms } from './kallsyms.js';
import { buildKconfigData } from './kconfig-data.js';
import { kconfigMapSpec } from './kconfig-map.js';
import { parseKconfig } from './kconfig-values.js';
import { hasSyscallWrapper, kernelVersionCode } from './linux-virtuals.js';
import { KFUNC_POISON_BASE, resolveExterns } from './resolve-externs.js';

/** The fixture's program, its extern relocations and undefined symbols, as the loader reads them. */
function readExternsFixture() {
  const path = fileURLToPath(new URL('../fixtures/externs.bpfel.o', import.meta.url));
  const elf = readElf(readFileSync(path), 'externs.bpfel.o');
  const btf = parseBtf(elf.sectionData(elf.sectionByName('.BTF')!.index));
  const section = elf.sectionByName('raw_tp/sys_enter')!;
  const instructions = decodeInstructions(elf.sectionData(section.index), elf.byteOrder);
  const relocations: ProgramRelocation[] = [];
  for (const relocation of elf.relocationsFor(section.index)) {
    const symbol = elf.symbols[relocation.symbolIndex]!;
    if (symbol.sectionIndex !== 0) continue;
    const instruction = Number(relocation.offset) / 8;
    relocations.push({
      kind: 'extern',
      instruction,
      name: symbol.name,
      offset: instructions[instruction]!.imm,
    });
  }
  const symbols = elf.symbols
    .filter((s) => s.sectionIndex === 0 && s.name !== '')
    .map((s) => ({ name: s.name, weak: s.bind === 2 }));
  return { btf, instructions, relocations, symbols };
}

describe('kernel config', () => {
  it('types values as libbpf reads them and skips comments', () => {
    const values = parseKconfig(
      [
        '#',
        '# CONFIG_OFF is not set',
        'CONFIG_YES=y',
        'CONFIG_MOD=m',
        'CONFIG_HZ=250',
        'CONFIG_HEX=0x1f',
        'CONFIG_OCT=010',
        'CONFIG_NEG=-1',
        'CONFIG_STR="-fc v1"',
        'CONFIG_BAD=abc',
        'CONFIG_EMPTY=',
      ].join('\n'),
    );
    expect(Object.fromEntries(values)).toEqual({
      CONFIG_YES: { kind: 'tristate', value: 'y' },
      CONFIG_MOD: { kind: 'tristate', value: 'm' },
      CONFIG_HZ: { kind: 'number', value: 250n },
      CONFIG_HEX: { kind: 'number', value: 31n },
      CONFIG_OCT: { kind: 'number', value: 8n },
      CONFIG_NEG: { kind: 'number', value: 0xffff_ffff_ffff_ffffn },
      CONFIG_STR: { kind: 'string', value: '-fc v1' },
      CONFIG_BAD: { kind: 'invalid', text: 'abc' },
    });
  });

  it('computes KERNEL_VERSION from a uname release, capping the patch level at 255', () => {
    expect(kernelVersionCode('6.18.44-fc-v657')).toBe((6 << 16) | (18 << 8) | 44);
    expect(kernelVersionCode('4.9.300')).toBe((4 << 16) | (9 << 8) | 255);
    expect(kernelVersionCode('6.1')).toBe((6 << 16) | (1 << 8));
    expect(kernelVersionCode('garbage')).toBe(0);
  });

  it('reads kallsyms, module symbols and LTO suffixes included', () => {
    const symbols = parseKallsyms(
      'ffffffff814de370 T __x64_sys_bpf\nffffffffc0001000 t helper.llvm.123\t[mod]\n0000000000000000 A fixed_percpu_data\n',
    );
    expect(symbols.get('__x64_sys_bpf')).toBe(0xffffffff814de370n);
    expect(symbols.get('helper')).toBe(0xffffffffc0001000n);
    expect(symbols.get('fixed_percpu_data')).toBe(0n);
    expect(hasSyscallWrapper(symbols, 'x64')).toBe(true);
    expect(hasSyscallWrapper(symbols, 'arm64')).toBe(false);
  });
});

describe('planExterns and buildKconfigData', () => {
  const fixture = readExternsFixture();
  const plan = planExterns(fixture.btf, fixture.symbols);

  it('classifies every extern and lays .kconfig out in libbpf order', () => {
    const layout = plan.externs.map((e) => [e.name, e.kind, e.kind === 'kconfig' ? e.offset : -1]);
    // Offsets as libbpf 1.1 printed them for this object: by alignment, then size, then name.
    expect(layout).toEqual([
      ['CONFIG_NO_SUCH_OPTION', 'kconfig', 0],
      ['CONFIG_BPF_SYSCALL', 'kconfig', 8],
      ['CONFIG_HZ', 'kconfig', 12],
      ['LINUX_KERNEL_VERSION', 'kconfig', 16],
      ['CONFIG_BPF_JIT', 'kconfig', 20],
      ['LINUX_HAS_BPF_COOKIE', 'kconfig', 21],
      ['CONFIG_LOCALVERSION', 'kconfig', 22],
      ['__x64_sys_bpf', 'ksym', -1],
      ['bpf_no_such_kfunc', 'kfunc', -1],
      ['bpf_rcu_read_lock', 'kfunc', -1],
      ['bpf_rcu_read_unlock', 'kfunc', -1],
    ]);
    expect(plan.externs.find((e) => e.name === 'CONFIG_NO_SUCH_OPTION')!.weak).toBe(true);
    expect(plan).toMatchObject({
      kconfigSize: 38,
      needsKernelConfig: true,
      needsKallsyms: true,
      needsKernelBtf: true,
    });
    expect(kconfigMapSpec(plan, new Uint8Array(38))).toMatchObject({
      name: '.kconfig',
      valueSize: 38,
      maxEntries: 1,
      freeze: true,
    });
  });

  const values = parseKconfig(
    'CONFIG_BPF_SYSCALL=y\nCONFIG_BPF_JIT=y\nCONFIG_HZ=250\nCONFIG_LOCALVERSION="-fc-v657"\n',
  );
  const linux = { kernelRelease: '6.18.44-fc-v657', hasBpfCookie: true, hasSyscallWrapper: true };

  it('writes each value by its BTF type: tristate enum, bool, int, char array, weak zero', () => {
    const data = buildKconfigData(plan, values, { linux });
    // The bytes libbpf 1.1 put in the .kconfig map for this object on this kernel.
    expect(Buffer.from(data).toString('hex')).toBe(
      '000000000000000001000000fa0000002c12060001012d66632d763635370000000000000000',
    );
  });

  it('lets overrides win over the kernel config', () => {
    const data = buildKconfigData(plan, values, {
      linux,
      overrides: parseKconfig('CONFIG_HZ=1000\nCONFIG_NO_SUCH_OPTION=0x10'),
    });
    const view = new DataView(data.buffer);
    expect(view.getUint32(12, true)).toBe(1000);
    expect(view.getBigUint64(0, true)).toBe(16n);
  });

  it('refuses a strong option that is not set, a value of the wrong type, and missing LINUX facts', () => {
    const without = new Map(values);
    without.delete('CONFIG_HZ');
    expect(() => buildKconfigData(plan, without, { linux })).toThrow(
      /CONFIG_HZ: is not set in the kernel config/,
    );
    const wrong = new Map(values).set('CONFIG_BPF_JIT', { kind: 'tristate', value: 'm' });
    expect(() => buildKconfigData(plan, wrong, { linux })).toThrow(/CONFIG_BPF_JIT: value 'm' implies/);
    const tooBig = new Map(values).set('CONFIG_HZ', { kind: 'number', value: 1n << 40n });
    expect(() => buildKconfigData(plan, tooBig, { linux })).toThrow(/does not fit in 4 bytes/);
    expect(() => buildKconfigData(plan, values)).toThrow(RelocationError);
  });

  it('refuses an extern without BTF and a kconfig extern of an unsupported type', () => {
    expect(() => planExterns(fixture.btf, [{ name: 'nowhere', weak: false }])).toThrow(
      /no BTF in a .kconfig/,
    );
    const b = new BtfBuilder();
    const float = b.add({ kind: 'FLOAT', name: 'double', size: 8 });
    const v = b.add({ kind: 'VAR', name: 'CONFIG_F', type: float, linkage: 'extern' });
    b.add({ kind: 'DATASEC', name: '.kconfig', size: 0, vars: [{ type: v, offset: 0, size: 8 }] });
    expect(() => planExterns(b.build(), [{ name: 'CONFIG_F', weak: false }])).toThrow(/unsupported/);
  });
});

describe('resolveExterns', () => {
  it('patches ksyms and kfunc calls, poisons a missing weak kfunc, and hands kconfig loads to map resolution', () => {
    const fixture = readExternsFixture();
    const instructions: Instruction[] = fixture.instructions.map((i) => ({ ...i }));
    const plan = planExterns(fixture.btf, fixture.symbols);
    const targets = new Map<string, ExternTarget>(
      plan.externs.map((e, index): [string, ExternTarget] => {
        if (e.kind === 'kconfig') return [e.name, { kind: 'kconfig' as const, offset: e.offset }];
        if (e.name === '__x64_sys_bpf')
          return [e.name, { kind: 'address' as const, address: 0xffffffff814de370n }];
        if (e.name === 'bpf_no_such_kfunc')
          return [e.name, { kind: 'missing-kfunc' as const, externIndex: index }];
        return [
          e.name,
          { kind: 'kfunc' as const, btfId: e.name === 'bpf_rcu_read_lock' ? 65472 : 65474, fdIndex: 0 },
        ];
      }),
    );
    const remaining = resolveExterns(instructions, fixture.relocations, targets, { program: 'use_externs' });
    expect(remaining.every((r) => r.kind === 'map-value' && r.map === '.kconfig')).toBe(true);
    expect(remaining.map((r) => (r.kind === 'map-value' ? r.offset : -1)).sort((a, b) => a - b)).toEqual([
      0, 8, 12, 16, 20, 21, 22,
    ]);
    const at = (name: string) =>
      fixture.relocations
        .filter((r) => 'name' in r && r.name === name)
        .map((r) => instructions[r.instruction]!);
    const [address] = at('__x64_sys_bpf');
    expect(address).toMatchObject({ src: 0, imm: 0x814de370 | 0 });
    expect(
      instructions[
        fixture.relocations.find((r) => 'name' in r && r.name === '__x64_sys_bpf')!.instruction + 1
      ]!.imm,
    ).toBe(-1);
    expect(at('bpf_rcu_read_unlock')).toEqual([{ code: 0x85, dst: 0, src: 2, off: 0, imm: 65474 }]);
    const [lockAddress, lockCall] = at('bpf_rcu_read_lock');
    expect(lockAddress).toMatchObject({ code: 0x18, src: 3, imm: 65472 });
    expect(lockCall).toMatchObject({ code: 0x85, src: 2, imm: 65472 });
    const [missingAddress, missingCall] = at('bpf_no_such_kfunc');
    expect(missingAddress).toMatchObject({ code: 0x18, src: 0, imm: 0 });
    expect(missingCall).toEqual({ code: 0x85, dst: 0, src: 0, off: 0, imm: KFUNC_POISON_BASE + 8 });
  });

  it('refuses an extern nobody resolved', () => {
    expect(() =>
      resolveExterns(
        [{ code: 0x85, dst: 0, src: 1, off: 0, imm: -1 }],
        [{ kind: 'extern', instruction: 0, name: 'x', offset: 0 }],
        new Map(),
        {
          program: 'p',
        },
      ),
    ).toThrow(/extern x, which was not resolved/);
  });
});

describe('layoutExternDatasecs', () => {
  it('gives .kconfig the plan layout and turns .ksyms entries into 4-byte global slots', () => {
    const fixture = readExternsFixture();
    const plan = planExterns(fixture.btf, fixture.symbols);
    const btf = layoutExternDatasecs(fixture.btf, plan);
    const kconfig = btf.typeById(btf.findOne('.kconfig', 'DATASEC'));
    const ksyms = btf.typeById(btf.findOne('.ksyms', 'DATASEC'));
    if (kconfig.kind !== 'DATASEC' || ksyms.kind !== 'DATASEC') throw new Error('not a DATASEC');
    expect(kconfig.size).toBe(38);
    expect(kconfig.vars.map((v) => [btf.typeName(v.type), v.offset])).toEqual([
      ['CONFIG_NO_SUCH_OPTION', 0],
      ['CONFIG_BPF_SYSCALL', 8],
      ['CONFIG_HZ', 12],
      ['LINUX_KERNEL_VERSION', 16],
      ['CONFIG_BPF_JIT', 20],
      ['LINUX_HAS_BPF_COOKIE', 21],
      ['CONFIG_LOCALVERSION', 22],
    ]);
    expect(ksyms.size).toBe(ksyms.vars.length * 4);
    for (const info of [...kconfig.vars, ...ksyms.vars]) {
      const variable = btf.typeById(info.type);
      expect(variable).toMatchObject({ kind: 'VAR', linkage: 'global' });
    }
    expect(ksyms.vars.map((v) => btf.typeName(v.type))).toContain('dummy_ksym');
  });
});

describe('resolveExternTargets', () => {
  // A kernel BTF with one per-CPU variable and one kfunc.
  const kernel = new BtfBuilder();
  const kint = kernel.addInt('int', 4, { signed: true });
  kernel.add({ kind: 'VAR', name: 'bpf_prog_active', type: kint, linkage: 'global' });
  const kproto = kernel.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
  kernel.add({ kind: 'FUNC', name: 'bpf_rcu_read_lock', type: kproto, linkage: 'static' });
  const kernelBtf = kernel.build();

  function object(varType: 'int' | 'long', weakMissing: boolean) {
    const b = new BtfBuilder();
    const type =
      varType === 'int' ? b.addInt('int', 4, { signed: true }) : b.add({ kind: 'PTR', name: '', type: 0 });
    const active = b.add({ kind: 'VAR', name: 'bpf_prog_active', type, linkage: 'extern' });
    const missing = b.add({ kind: 'VAR', name: 'not_in_kernel', type, linkage: 'extern' });
    const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: 0, params: [] });
    const lock = b.add({ kind: 'FUNC', name: 'bpf_rcu_read_lock', type: proto, linkage: 'extern' });
    b.add({
      kind: 'DATASEC',
      name: '.ksyms',
      size: 0,
      vars: [active, missing, lock].map((t) => ({ type: t, offset: 0, size: 0 })),
    });
    const btf = b.build();
    const symbols = [
      { name: 'bpf_prog_active', weak: false },
      { name: 'not_in_kernel', weak: weakMissing },
      { name: 'bpf_rcu_read_lock', weak: false },
    ];
    return { btf, plan: planExterns(btf, symbols) };
  }

  it('resolves a typed ksym and a kfunc to kernel BTF ids, and a weak missing ksym to 0', () => {
    const { btf, plan } = object('int', true);
    const targets = resolveExternTargets(plan, { localBtf: btf, kernelBtf });
    expect(targets.get('bpf_prog_active')).toEqual({
      kind: 'btf-id',
      btfId: kernelBtf.findOne('bpf_prog_active', 'VAR'),
      btfObjFd: 0,
    });
    expect(targets.get('bpf_rcu_read_lock')).toEqual({
      kind: 'kfunc',
      btfId: kernelBtf.findOne('bpf_rcu_read_lock', 'FUNC'),
      fdIndex: 0,
    });
    expect(targets.get('not_in_kernel')).toEqual({ kind: 'address', address: 0n });
  });

  it('refuses a strong missing ksym and a ksym whose type differs from the kernel', () => {
    const strong = object('int', false);
    expect(() => resolveExternTargets(strong.plan, { localBtf: strong.btf, kernelBtf })).toThrow(
      /not_in_kernel: is not a variable in the kernel BTF/,
    );
    const wrong = object('long', true);
    expect(() => resolveExternTargets(wrong.plan, { localBtf: wrong.btf, kernelBtf })).toThrow(
      /bpf_prog_active: is void \* here but int in the kernel/,
    );
  });
});
