import { type Btf, parseBtf, parseBtfExt } from '@bpfkit/btf';
import { SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_SECTION, UsageError } from '@bpfkit/core';
import { type ElfFile, readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { writeElf } from './elf-writer.js';
import { fixture, linkFixtures, type Order } from './fixtures.test-helpers.js';
import { SymbolConflictError } from './link-error.js';
import { linkObjects } from './link-objects.js';

const STV_HIDDEN = 2;

const read = (names: string[], order: Order = 'bpfel') => readElf(linkFixtures(names, order), 'linked.o');
const input = (name: string, order: Order = 'bpfel') => readElf(fixture(name, order).bytes, `${name}.o`);
const btfOf = (file: ElfFile) => parseBtf(file.sectionData(file.sectionByName('.BTF')!.index));
const symbol = (file: ElfFile, name: string) => {
  const found = file.symbols.filter((s) => s.name === name && s.type !== STT_SECTION);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const u32At = (file: ElfFile, section: string, offset: bigint) => {
  const data = file.sectionData(file.sectionByName(section)!.index);
  return new DataView(data.buffer, data.byteOffset).getUint32(Number(offset), file.byteOrder === 'little');
};

/** Where each input's copy of `section` starts in the output: appended in order, aligned. */
function bases(inputs: ElfFile[], section: string): number[] {
  let size = 0;
  return inputs.map((file) => {
    const found = file.sectionByName(section);
    if (!found) return -1;
    const align = Math.max(Number(file.sectionHeader(found.index).addralign), 1);
    const base = Math.ceil(size / align) * align;
    size = base + found.size;
    return base;
  });
}

describe('symbol resolution', () => {
  it('binds every extern to its definition in the other object; only kconfig and ksym externs stay undefined', () => {
    const funcs = read(['funcs_a', 'funcs_b']);
    expect(funcs.symbols.filter((s) => s.index > 0 && s.sectionIndex === SHN_UNDEF)).toEqual([]);
    expect(symbol(funcs, 'set_out_b').type).toBe(STT_FUNC);
    expect(funcs.sections[symbol(funcs, 'hits').sectionIndex]!.name).toBe('.maps');

    const vars = read(['vars_a', 'vars_b']);
    const undefinedNames = vars.symbols
      .filter((s) => s.index > 0 && s.sectionIndex === SHN_UNDEF)
      .map((s) => s.name);
    expect(undefinedNames.sort()).toEqual(['CONFIG_BPF_SYSCALL', 'LINUX_KERNEL_VERSION', 'bpf_link_fops']);
    // weak in vars_a, strong in vars_b: the merged extern is strong
    expect(symbol(vars, 'CONFIG_BPF_SYSCALL').bind).toBe(STB_GLOBAL);
  });

  it('a strong definition beats weak ones, and the first weak one beats later weak ones', () => {
    const vars = read(['vars_a', 'vars_b']);
    // vars_a: __weak = 10 / 100; vars_b: strong 20 / 200
    expect(u32At(vars, '.data', symbol(vars, 'input_data_weak').value)).toBe(20);
    expect(u32At(vars, '.rodata', symbol(vars, 'input_rodata_weak').value)).toBe(200);
    expect(symbol(vars, 'input_data_weak').bind).toBe(STB_GLOBAL);

    const funcs = read(['funcs_a', 'funcs_b']);
    const a = input('funcs_a');
    // set_weak is weak in both: funcs_a's, first in link order, stays (its .text starts at 0)
    expect(symbol(funcs, 'set_weak').value).toBe(symbol(a, 'set_weak').value);
    expect(symbol(funcs, 'set_weak').bind).toBe(STB_WEAK);
    const reversed = read(['funcs_b', 'funcs_a']);
    expect(symbol(reversed, 'set_weak').value).toBe(symbol(input('funcs_b'), 'set_weak').value);
  });

  it('keeps static functions of each object apart, and spreads hidden visibility from an extern', () => {
    const inputs = [input('funcs_a'), input('funcs_b')];
    const linked = read(['funcs_a', 'funcs_b']);
    const statics = (file: ElfFile) =>
      file.symbols.filter((s) => s.bind === STB_LOCAL && s.type === STT_FUNC).map((s) => s.name);
    expect(statics(linked)).toEqual(inputs.flatMap(statics));
    // funcs_a declares `__hidden extern int twice_b(int)`; funcs_b defines it with default visibility
    expect(symbol(inputs[1]!, 'twice_b').visibility).toBe(0);
    expect(symbol(linked, 'twice_b').visibility).toBe(STV_HIDDEN);
  });

  it('refuses two strong definitions of one symbol, naming both objects', () => {
    const copy = { ...fixture('funcs_b'), name: 'copy_of_b.o' };
    let error: unknown;
    try {
      linkObjects([fixture('funcs_b'), copy]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SymbolConflictError);
    const conflict = error as SymbolConflictError;
    expect(conflict.objects).toEqual(['funcs_b.bpfel.o', 'copy_of_b.o']);
    expect(conflict.message).toMatch(/symbol set_out_b is defined in both funcs_b.bpfel.o and copy_of_b.o/);
  });
});

describe('section merge', () => {
  it('appends same-named sections at their alignment and re-bases every symbol and relocation', () => {
    const inputs = [input('funcs_a'), input('funcs_b')];
    const linked = read(['funcs_a', 'funcs_b']);
    for (const name of ['.text', 'socket', '.rodata', '.bss', '.maps']) {
      const at = bases(inputs, name);
      const last = inputs.length - 1;
      expect(linked.sectionByName(name)!.size, name).toBe(
        at[last]! + inputs[last]!.sectionByName(name)!.size,
      );
      inputs.forEach((file, n) => {
        const section = file.sectionByName(name)!;
        for (const s of file.symbolsInSection(section.index)) {
          if (s.type === STT_SECTION || s.bind === STB_WEAK) continue;
          const out = linked.symbols.find(
            (o) => o.name === s.name && o.value === s.value + BigInt(at[n]!) && o.type === s.type,
          );
          expect(out, `${file.name} ${s.name}`).toBeDefined();
        }
      });
    }
    // every relocation of socket (the programs) is in the output, moved and against the same symbol
    const at = bases(inputs, 'socket');
    const out = linked.relocationsFor(linked.sectionByName('socket')!.index);
    const describe = (file: ElfFile, r: { offset: bigint; symbolIndex: number; type: number }, base = 0) =>
      `${r.offset + BigInt(base)} ${r.type} ${file.symbols[r.symbolIndex]!.name}`;
    expect(out.map((r) => describe(linked, r))).toEqual(
      inputs.flatMap((file, n) =>
        file.relocationsFor(file.sectionByName('socket')!.index).map((r) => describe(file, r, at[n])),
      ),
    );
  });

  it('moves the imm of a relocation against a section symbol by where that section landed', () => {
    const b = input('funcs_b');
    const linked = read(['funcs_a', 'funcs_b']);
    const bssBase = bases([input('funcs_a'), b], '.bss')[1]!;
    const socketBase = bases([input('funcs_a'), b], 'socket')[1]!;
    // runs_b is static: its ld_imm64 refers to .bss + 16 in funcs_b
    const immAt = (file: ElfFile, offset: number) => {
      const data = file.sectionData(file.sectionByName('socket')!.index);
      return new DataView(data.buffer, data.byteOffset).getInt32(offset + 4, file.byteOrder === 'little');
    };
    const toBss = b
      .relocationsFor(b.sectionByName('socket')!.index)
      .filter((r) => b.symbols[r.symbolIndex]!.name === '.bss');
    expect(toBss.length).toBeGreaterThan(0);
    for (const r of toBss) {
      expect(immAt(linked, Number(r.offset) + socketBase)).toBe(immAt(b, Number(r.offset)) + bssBase);
    }
    // a call of a static function in .text counts instructions: vars_b's get_data_res moves by .text base / 8
    const vb = input('vars_b');
    const vars = read(['vars_a', 'vars_b']);
    const textBase = bases([input('vars_a'), vb], '.text')[1]!;
    const varsSocketBase = bases([input('vars_a'), vb], 'socket')[1]!;
    const calls = vb
      .relocationsFor(vb.sectionByName('socket')!.index)
      .filter((r) => vb.symbols[r.symbolIndex]!.name === '.text');
    expect(calls).toHaveLength(1);
    expect(immAt(vars, Number(calls[0]!.offset) + varsSocketBase)).toBe(
      immAt(vb, Number(calls[0]!.offset)) + textBase / 8,
    );
  });

  it('keeps one license section, and drops DWARF and address-significance sections', () => {
    const linked = read(['funcs_a', 'funcs_b']);
    expect(linked.sectionByName('license')!.size).toBe(4);
    expect(
      linked.sections.map((s) => s.name).filter((n) => n.startsWith('.debug') || n === '.llvm_addrsig'),
    ).toEqual([]);
  });

  it('links big-endian objects into a big-endian object laid out as the little-endian one', () => {
    const little = read(['funcs_a', 'funcs_b'], 'bpfel');
    const big = read(['funcs_a', 'funcs_b'], 'bpfeb');
    expect(big.byteOrder).toBe('big');
    const shape = (file: ElfFile) => ({
      sections: file.sections.map((s) => `${s.name} ${s.type} ${s.size}`),
      symbols: file.symbols.map((s) => `${s.name} ${s.value} ${s.bind} ${s.sectionIndex}`),
    });
    expect(shape(big)).toEqual(shape(little));
    expect(btfOf(big).typeCount).toBe(btfOf(little).typeCount);
  });

  it('refuses inputs of different byte orders', () => {
    expect(() => linkObjects([fixture('funcs_a', 'bpfel'), fixture('funcs_b', 'bpfeb')])).toThrow(UsageError);
    expect(() => linkObjects([fixture('funcs_a', 'bpfel'), fixture('funcs_b', 'bpfeb')])).toThrow(
      /funcs_b.bpfeb.o is big-endian but funcs_a.bpfel.o is little-endian/,
    );
  });
});

describe('BTF merge', () => {
  const funcsOf = (btf: Btf, name: string) =>
    btf.findByName(name, 'FUNC').map((id) => btf.typeById(id) as { linkage: string; type: number });

  it('keeps one FUNC per global function, with global linkage once an object defines it', () => {
    const btf = btfOf(read(['funcs_a', 'funcs_b']));
    for (const name of ['set_out_a', 'set_out_b', 'twice_b', 'set_weak', 'prog_a', 'prog_b']) {
      const found = funcsOf(btf, name);
      expect(found, name).toHaveLength(1);
      expect(found[0]!.linkage, name).toBe('global');
    }
    expect(btf.formatType(funcsOf(btf, 'set_out_b')[0]!.type)).toBe('int (int)');
  });

  it('turns extern variables into their definition, listed once in its DATASEC at its symbol offset', () => {
    const linked = read(['vars_a', 'vars_b']);
    const btf = btfOf(linked);
    const vars = btf.findByName('input_data_b', 'VAR');
    expect(vars).toHaveLength(1);
    expect((btf.typeById(vars[0]!) as { linkage: string }).linkage).toBe('global');
    for (const section of ['.data', '.rodata', '.bss']) {
      const datasec = btf.typeById(btf.findOne(section, 'DATASEC'));
      if (datasec.kind !== 'DATASEC') throw new Error('not a DATASEC');
      expect(datasec.size).toBe(linked.sectionByName(section)!.size);
      const names = datasec.vars.map((info) => btf.typeName(info.type));
      expect(new Set(names).size).toBe(names.length);
      for (const info of datasec.vars) {
        expect(info.offset, btf.typeName(info.type)).toBe(
          Number(symbol(linked, btf.typeName(info.type)).value),
        );
      }
    }
    const kconfig = btf.typeById(btf.findOne('.kconfig', 'DATASEC'));
    if (kconfig.kind !== 'DATASEC') throw new Error('not a DATASEC');
    expect(
      kconfig.vars.map((info) => [
        btf.typeName(info.type),
        (btf.typeById(info.type) as { linkage: string }).linkage,
      ]),
    ).toEqual([
      ['LINUX_KERNEL_VERSION', 'extern'],
      ['CONFIG_BPF_SYSCALL', 'extern'],
    ]);
    // a typeless __ksym extern (a VAR of type const void, which has no size) keeps clang's size
    const ksyms = btf.typeById(btf.findOne('.ksyms', 'DATASEC'));
    if (ksyms.kind !== 'DATASEC') throw new Error('not a DATASEC');
    expect(
      ksyms.vars.map((info) => [
        btf.typeName(info.type),
        btf.formatType(btf.sizeOrTypeOf(info.type)),
        info.size,
      ]),
    ).toEqual([['bpf_link_fops', 'const void', 1]]);
  });

  it('moves a static variable by its section piece', () => {
    const linked = read(['funcs_a', 'funcs_b']);
    const btf = btfOf(linked);
    const bss = btf.typeById(btf.findOne('.bss', 'DATASEC'));
    if (bss.kind !== 'DATASEC') throw new Error('not a DATASEC');
    const runs = bss.vars.find((info) => btf.typeName(info.type) === 'runs_b')!;
    expect(runs.offset).toBe(16 + bases([input('funcs_a'), input('funcs_b')], '.bss')[1]!);
  });

  it('moves func_info, line_info and CO-RE records with their instructions', () => {
    const inputs = [input('funcs_a'), input('funcs_b')];
    const linked = read(['funcs_a', 'funcs_b']);
    const btf = btfOf(linked);
    const ext = parseBtfExt(linked.sectionData(linked.sectionByName('.BTF.ext')!.index), btf);
    // every func_info names the function whose symbol starts at that instruction
    for (const { section, records } of ext.funcInfo) {
      const index = linked.sectionByName(section)!.index;
      for (const record of records) {
        const at = linked
          .symbolsInSection(index)
          .filter((s) => s.type === STT_FUNC && s.value === BigInt(record.insnOff));
        expect(
          at.map((s) => s.name),
          `${section}+${record.insnOff}`,
        ).toContain(btf.typeName(record.typeId));
      }
    }
    const core = ext.coreRelos.flatMap(({ section, records }) => records.map((r) => ({ section, ...r })));
    const b = inputs[1]!;
    const bExt = parseBtfExt(b.sectionData(b.sectionByName('.BTF.ext')!.index), btfOf(b));
    const original = bExt.coreRelos.flatMap(({ section, records }) =>
      records.map((r) => ({ section, ...r })),
    );
    expect(original).toHaveLength(1);
    expect(core).toHaveLength(1);
    expect(core[0]!.insnOff).toBe(original[0]!.insnOff + bases(inputs, 'socket')[1]!);
    expect(btf.typeName(core[0]!.typeId)).toBe('__sk_buff');
    expect(core[0]!.accessStr).toBe(original[0]!.accessStr);
    // line info: the inputs' records, less those of funcs_b's overridden set_weak
    const lines = (e: typeof ext) =>
      e.lineInfo.flatMap((s) => s.records.map((r) => `${r.fileName}:${r.lineNumber}`));
    const aExt = parseBtfExt(
      inputs[0]!.sectionData(inputs[0]!.sectionByName('.BTF.ext')!.index),
      btfOf(inputs[0]!),
    );
    const dropped = [...lines(aExt), ...lines(bExt)].filter((line) => !lines(ext).includes(line));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((line) => line.startsWith('./packages/linker/fixtures/funcs_b.bpf.c:'))).toBe(true);
  });
});

describe('inputs the linker refuses', () => {
  it('an object without BTF, with a hint to compile with -g', () => {
    const bare = writeElf({
      byteOrder: 'little',
      flags: 0,
      sections: [
        {
          name: 'socket',
          type: 1,
          flags: 0x6n,
          data: new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
          align: 8,
        },
      ],
      symbols: [
        { name: 'prog', value: 0n, size: 16n, type: STT_FUNC, bind: STB_GLOBAL, visibility: 0, section: 1 },
      ],
    });
    let error: unknown;
    try {
      linkObjects([fixture('funcs_a'), { name: 'bare.o', bytes: bare }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('read input: bare.o has no .BTF section');
    expect((error as UsageError).hint).toMatch(/compile with -g/);
  });
});

describe('type checks between objects', () => {
  it('refuses an extern whose prototype differs from the definition, naming the symbol and both objects', () => {
    let error: unknown;
    try {
      linkObjects([fixture('funcs_a'), fixture('mismatch')]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SymbolConflictError);
    const conflict = error as SymbolConflictError;
    expect(conflict.symbol).toBe('set_out_b');
    expect(conflict.objects).toEqual(['funcs_a.bpfel.o', 'mismatch.bpfel.o']);
    expect(conflict.message).toBe(
      'global set_out_b: funcs_a.bpfel.o declares it as function int (int) but mismatch.bpfel.o as function long (long, long) (incompatible number of parameters: 1 and 2)',
    );
    expect(conflict.location).toMatchObject({ symbol: 'set_out_b', object: 'mismatch.bpfel.o' });
  });
});
