import { existsSync } from 'node:fs';
import { loadKernelBtf } from '@bpfkit/btf';
import { NotSupportedError, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseUsdtArguments, UsdtArgType } from './usdt-arguments.js';
import { encodeUsdtSpec, USDT_SPEC_SIZE } from './usdt-spec.js';

const T = UsdtArgType;

describe('parseUsdtArguments', () => {
  it('reads constants, registers and memory as gcc writes them into stapsdt notes', () => {
    // the argument string gcc 12 -O2 writes for fixtures/usdt_target.c, and one for its semaphore probe
    const args = parseUsdtArguments('-4@$42 -4@%edi -8@-8(%rsp) -2@%dx -4@$-7 1@$-56');
    expect(args.map(({ text: _text, ...arg }) => arg)).toEqual([
      {
        type: T.CONST,
        valueOffset: 42n,
        registerOffset: 0,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: true,
        bitShift: 32,
      },
      {
        type: T.REG,
        valueOffset: 0n,
        registerOffset: 112,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: true,
        bitShift: 32,
      },
      {
        type: T.REG_DEREF,
        valueOffset: 2n ** 64n - 8n,
        registerOffset: 152,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: true,
        bitShift: 0,
      },
      {
        type: T.REG,
        valueOffset: 0n,
        registerOffset: 96,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: true,
        bitShift: 48,
      },
      {
        type: T.CONST,
        valueOffset: 2n ** 64n - 7n,
        registerOffset: 0,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: true,
        bitShift: 32,
      },
      // an unsigned char 200 printed as -56: the handler's shifts bring 200 back
      {
        type: T.CONST,
        valueOffset: 2n ** 64n - 56n,
        registerOffset: 0,
        indexRegisterOffset: 0,
        scaleShift: 0,
        signed: false,
        bitShift: 56,
      },
    ]);
  });

  it('reads dereferences without offset, the extended registers and scale-index-base memory', () => {
    const args = parseUsdtArguments('8@(%rsp) 4@16(%r12) -1@%r9b 1@-96(%rbp,%rax,8) 2@(%rbx,%rcx)');
    expect(
      args.map((a) => [a.type, a.valueOffset, a.registerOffset, a.indexRegisterOffset, a.scaleShift]),
    ).toEqual([
      [T.REG_DEREF, 0n, 152, 0, 0],
      [T.REG_DEREF, 16n, 24, 0, 0],
      [T.REG, 0n, 64, 0, 0],
      [T.SIB, 2n ** 64n - 96n, 32, 80, 3],
      [T.SIB, 0n, 40, 88, 0],
    ]);
    expect(parseUsdtArguments('')).toEqual([]);
    expect(parseUsdtArguments('  ')).toEqual([]);
  });

  it('refuses what libbpf cannot read, naming the argument', () => {
    const refused = (args: string) => () => parseUsdtArguments(args, 'USDT p:n');
    expect(refused('8@counter(%rip)')).toThrow(UsageError);
    expect(refused('8@counter(%rip)')).toThrow(/argument #0 of USDT p:n \('8@counter\(%rip\)'\)/);
    expect(refused('4@%eax 3@%ebx')).toThrow(/argument #1 .* size 3/);
    expect(refused('4@%xmm0')).toThrow(/register %xmm0/);
    expect(refused('4@(%rax,%rbx,3)')).toThrow(/scale 3/);
    expect(refused('eax')).toThrow(/SIZE@LOCATION/);
    expect(refused(Array(13).fill('4@$1').join(' '))).toThrow(NotSupportedError);
  });

  it.skipIf(!existsSync('/sys/kernel/btf/vmlinux') || process.arch !== 'x64')(
    "places each register at its offset in the running kernel's struct pt_regs",
    () => {
      const btf = loadKernelBtf();
      const regs = btf.findOne('pt_regs', 'STRUCT');
      const kernelName: Record<string, string> = {
        rip: 'ip',
        rax: 'ax',
        rbx: 'bx',
        rcx: 'cx',
        rdx: 'dx',
        rsi: 'si',
        rdi: 'di',
        rbp: 'bp',
        rsp: 'sp',
      };
      for (const name of [
        'rip',
        'rax',
        'rbx',
        'rcx',
        'rdx',
        'rsi',
        'rdi',
        'rbp',
        'rsp',
        'r8',
        'r9',
        'r10',
        'r11',
        'r12',
        'r13',
        'r14',
        'r15',
      ]) {
        const [arg] = parseUsdtArguments(`8@%${name}`);
        expect([name, arg!.registerOffset]).toEqual([
          name,
          btf.memberOffsetBits(regs, kernelName[name] ?? name) / 8,
        ]);
      }
    },
  );
});

describe('encodeUsdtSpec', () => {
  it("lays the spec out as usdt.bpf.h's struct __bpf_usdt_spec", () => {
    const bytes = encodeUsdtSpec({
      args: parseUsdtArguments('-4@-20(%rbp) 1@-96(%rbp,%rax,8)'),
      cookie: -2n,
    });
    expect(bytes.length).toBe(USDT_SPEC_SIZE);
    const view = new DataView(bytes.buffer);
    // args[0]: val_off -20, arg_type REG_DEREF, reg_off 32 (bp), signed, bitshift 32
    expect([
      view.getBigInt64(0, true),
      view.getUint32(8, true),
      view.getInt16(12, true),
      bytes[14],
      bytes[15],
    ]).toEqual([-20n, T.REG_DEREF, 32, 1, 32]);
    // args[1]: SIB with idx_reg_off 80 (ax) in bits 8..19 and scale_bitshift 3 in bits 20..23
    expect(view.getUint32(16 + 8, true)).toBe(T.SIB | (80 << 8) | (3 << 20));
    expect([view.getBigInt64(192, true), view.getInt16(200, true)]).toEqual([-2n, 2]);
    expect(bytes.subarray(32, 192).every((b) => b === 0)).toBe(true);
  });
});
