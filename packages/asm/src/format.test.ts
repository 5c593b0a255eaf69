import type { Instruction } from '@bpfkit/core';
import { SHF_EXECINSTR } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { decodeInstructions } from './decode.js';
import { disassemble, disassembleProgram } from './disassemble.js';
import { formatInstruction } from './format.js';
import { objectFiles, readBytes } from './llvm-tools.test-helpers.js';

const insn = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
});
const one = (i: Instruction, alu32 = false) => formatInstruction([i], 0, { alu32 });

describe('formatInstruction', () => {
  it.each([
    [insn(0x61, 1, 1, 4, 0), 'r1 = *(u32 *)(r1 + 0x4)'],
    [insn(0x6b, 10, 0, -2, 0), '*(u16 *)(r10 - 0x2) = r0'],
    [insn(0xdc, 0, 0, 0, 16), 'r0 = be16 r0'],
    [insn(0xd7, 3, 0, 0, 64), 'r3 = bswap64 r3'],
    [insn(0xdb, 1, 2, 0, 0), 'lock *(u64 *)(r1 + 0x0) += r2'],
    [insn(0xdb, 1, 2, 8, 0x51), 'r2 = atomic_fetch_and((u64 *)(r1 + 0x8), r2)'],
    [insn(0xdb, 1, 2, 0, 0xf1), 'r0 = cmpxchg_64(r1 + 0x0, r0, r2)'],
    [insn(0x85, 0, 0, 0, 1), 'call 0x1'],
    [insn(0x85, 0, 1, 0, -1), 'call -0x1'],
    [insn(0x8d, 5, 0, 0, 0), 'callx r5'],
    [insn(0x95, 0, 0, 0, 0), 'exit'],
    [insn(0x3f, 1, 3, 1, 0), 'r1 s/= r3'],
    [insn(0x9c, 2, 4, 1, 0), 'w2 s%= w4'],
    [insn(0xbf, 1, 4, 8, 0), 'r1 = (s8)r4'],
    [insn(0x91, 1, 4, 0, 0), 'r1 = *(s8 *)(r4 + 0x0)'],
    [insn(0x07, 2, 0, 0, -8), 'r2 += -0x8'],
    [insn(0xb4, 1, 0, 0, -1), 'w1 = -0x1'],
    [insn(0x72, 10, 0, -23, 1), '*(u8 *)(r10 - 0x17) = 0x1'],
    [insn(0x20, 0, 0, 0, 14), 'r0 = *(u32 *)skb[0xe]'],
    [insn(0x50, 0, 7, 0, 0), 'r0 = *(u8 *)skb[r7]'],
    [insn(0x2d, 3, 2, 15, 0), 'if r3 > r2 goto +0xf'],
    [insn(0xce, 1, 2, -1, 0), 'if w1 s< w2 goto -0x1'],
    [insn(0x06, 0, 0, 0, 70000), 'gotol +0x11170'],
    [insn(0xe5, 0, 0, 3, 0), 'may_goto +0x3'],
    [insn(0xff, 0, 0, 0, 0), '<unknown>'],
  ])('prints %j as llvm-objdump does', (instruction, text) => {
    expect(one(instruction)).toBe(text);
  });

  it('prints narrow loads, stores and atomics with w registers in alu32 mode', () => {
    expect(one(insn(0x61, 1, 10, -4, 0), true)).toBe('w1 = *(u32 *)(r10 - 0x4)');
    expect(one(insn(0x73, 1, 2, 3, 0), true)).toBe('*(u8 *)(r1 + 0x3) = w2');
    expect(one(insn(0xc3, 1, 2, 0, 0), true)).toBe('lock *(u32 *)(r1 + 0x0) += w2');
    expect(one(insn(0xc3, 1, 2, 0, 0), false)).toBe('lock *(u32 *)(r1 + 0x0) += r2');
    expect(one(insn(0xc3, 1, 2, 0, 0xe1))).toBe('w2 = xchg32_32(r1 + 0x0, w2)');
  });

  // LLVM 20's spelling (llvm/test/MC/BPF); llvm-objdump-19 cannot decode these.
  it('prints load-acquire and store-release as LLVM 20 does', () => {
    expect(one(insn(0xd3, 0, 1, 0, 0x100))).toBe('w0 = load_acquire((u8 *)(r1 + 0x0))');
    expect(one(insn(0xdb, 0, 1, 0, 0x100))).toBe('r0 = load_acquire((u64 *)(r1 + 0x0))');
    expect(one(insn(0xcb, 1, 2, 0, 0x110))).toBe('store_release((u16 *)(r1 + 0x0), w2)');
    expect(one(insn(0xdb, 1, 2, 0, 0x110))).toBe('store_release((u64 *)(r1 + 0x0), r2)');
    expect(one(insn(0xd3, 1, 2, 0, 0x01))).toBe('<unknown>');
  });

  it('joins the two slots of a 64-bit load into one signed value', () => {
    const slots = [insn(0x18, 1, 0, 0, 0x12345678), insn(0, 0, 0, 0, 0x9abcdef0 | 0)];
    expect(formatInstruction(slots, 0)).toBe('r1 = -0x6543210fedcba988 ll');
    expect(formatInstruction([insn(0x18, 1, 0, 0, 0)], 0)).toBe('<unknown>');
  });

  it('names jump targets after the nearest symbol at or before them', () => {
    const insns = [insn(0x05, 0, 0, 1, 0), insn(0x05, 0, 0, -2, 0), insn(0x95, 0, 0, 0, 0)];
    const symbols = [
      { name: 'entry', instruction: 0 },
      { name: 'tail', instruction: 2 },
    ];
    const lines = disassemble(insns, { symbols, section: 'xdp' }).map((line) => line.text);
    expect(lines).toEqual(['goto +0x1 <tail>', 'goto -0x2 <entry>', 'exit']);
    expect(formatInstruction(insns, 1, { section: 'xdp' })).toBe('goto -0x2 <xdp>');
  });
});

describe('disassemble', () => {
  it('gives one line per instruction and two slots to a 64-bit load', () => {
    const insns = [insn(0x18, 1, 0, 0, 0), insn(0, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)];
    expect(disassemble(insns).map(({ index, slots, text }) => ({ index, slots, text }))).toEqual([
      { index: 0, slots: 2, text: 'r1 = 0x0 ll' },
      { index: 2, slots: 1, text: 'exit' },
    ]);
  });

  it('prints a program with indices and symbol headings', () => {
    const insns = [insn(0xb7, 0, 0, 0, 2), insn(0x95, 0, 0, 0, 0)];
    expect(disassembleProgram(insns, { symbols: [{ name: 'prog', instruction: 0 }] })).toBe(
      'prog:\n0: r0 = 0x2\n1: exit',
    );
  });
});

describe('insn_coverage fixture', () => {
  const file = objectFiles().find((f) => f.endsWith('insn_coverage.bpfel.o'));

  it('was built with -mcpu=v4 and holds every instruction family it is meant to cover', () => {
    expect(file, 'packages/asm/src/fixtures/insn_coverage.bpfel.o').toBeDefined();
    const elf = readElf(readBytes(file!), file!);
    const text = elf.sections
      .filter((s) => (s.flags & SHF_EXECINSTR) !== 0n)
      .flatMap((s) => disassemble(decodeInstructions(elf.sectionData(s.index), 'little'), { alu32: true }))
      .map((line) => line.text)
      .join('\n');
    const wanted = [
      's/=',
      '= (s8)',
      '= (s16)',
      '= (s32)',
      '*(s8 *)',
      'bswap16',
      'bswap64',
      'be64',
      'le16',
      'atomic_fetch_add((u64',
      'atomic_fetch_xor((u32',
      'xchg_64',
      'xchg32_32',
      'cmpxchg_64',
      'cmpxchg32_32',
      'lock *(u32',
      'gotol',
      'may_goto',
      'callx',
      'skb[0x',
      'skb[r7]',
      ' ll',
      'if w',
    ];
    const absent = wanted.filter((needle) => !text.includes(needle));
    // A rebuild without `-mcpu=v4` (the file's bpfkit-cflags line) yields a stub and fails here.
    expect(absent).toEqual([]);
  });
});
