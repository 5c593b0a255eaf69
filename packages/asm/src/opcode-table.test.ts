import type { Instruction } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import type { ByteOrder } from './byte-order.js';
import { disassemble } from './disassemble.js';
import { LLVM_MC, OBJDUMP, objdumpSlots, toolMissing } from './llvm-tools.test-helpers.js';
import { AtomicOp, InsnClass, Mode, Size } from './opcodes.js';

const missing = toolMissing(OBJDUMP) ?? toolMissing(LLVM_MC);

/**
 * Every opcode byte with field values chosen to hit each variant (signed div/mod, movsx, endian
 * widths, atomic operations, pseudo sources, negative offsets...). Fields LLVM ignores stay in the
 * mix, since both sides must agree on ignoring them.
 */
function everyEncoding(): Instruction[] {
  const insns: Instruction[] = [];
  const regs = [
    [1, 0],
    [10, 2],
    [11, 12],
  ] as const;
  const offs = [0, 1, -8, 8, 16, 32, 0x7fff, -0x8000];
  const imms = [
    0,
    1,
    -5,
    16,
    32,
    64,
    0x41,
    0xe1,
    0xf1,
    AtomicOp.LOAD_ACQ,
    AtomicOp.STORE_REL,
    0x10001,
    -0x80000000,
  ];
  for (let code = 0; code < 256; code++) {
    for (const [dst, src] of regs) {
      for (const off of offs) {
        for (const imm of imms) {
          insns.push({ code, dst, src, off, imm });
          // a 64-bit load takes the next slot: give it a high half
          if (code === 0x18) insns.push({ code: 0, dst: 0, src: 0, off: 0, imm: imm === 0 ? 0 : -2 });
        }
      }
    }
  }
  for (let src = 1; src <= 6; src++) {
    insns.push({ code: 0x18, dst: 1, src, off: 0, imm: 7 }, { code: 0, dst: 0, src: 0, off: 0, imm: 0 });
  }
  return insns;
}

/** See llvm-objdump.test.ts: LLVM 19 without alu32 cannot print 32-bit atomics other than add. */
function isLlvm19NarrowAtomicGap(insn: Instruction): boolean {
  return insn.code === (InsnClass.STX | Mode.ATOMIC | Size.W) && insn.imm !== AtomicOp.ADD;
}

/**
 * LLVM 19 decodes an atomic from the low byte of imm only, so it misreads load-acquire and
 * store-release (0x100, 0x110: LLVM 20, kernel 6.15) and any imm the kernel would reject.
 */
function isBeyondLlvm19Atomics(insn: Instruction): boolean {
  return (insn.code & 0xe7) === (InsnClass.STX | Mode.ATOMIC) && (insn.imm < 0 || insn.imm > 0xff);
}

describe.skipIf(missing !== undefined)(
  `every opcode against ${LLVM_MC} + ${OBJDUMP} ${missing ?? ''}`,
  () => {
    const insns = everyEncoding();
    for (const byteOrder of ['little', 'big'] as ByteOrder[]) {
      for (const alu32 of [false, true]) {
        it(`formats all ${insns.length} encodings as llvm does (${byteOrder}-endian, alu32 ${alu32})`, () => {
          const theirs = objdumpSlots(insns, byteOrder, alu32 ? ['--mcpu=v4'] : []);
          const theirsAlu32 = alu32 ? theirs : objdumpSlots(insns, byteOrder, ['--mcpu=v4']);
          const mismatches: string[] = [];
          let compared = 0;
          for (const line of disassemble(insns, { alu32, section: '.text' })) {
            if (isBeyondLlvm19Atomics(line.instruction)) continue;
            const source = !alu32 && isLlvm19NarrowAtomicGap(line.instruction) ? theirsAlu32 : theirs;
            const expected = source.get(line.index);
            compared++;
            if (line.text !== expected) {
              mismatches.push(`${JSON.stringify(line.instruction)}: ours "${line.text}" llvm "${expected}"`);
            }
          }
          expect(compared).toBeGreaterThan(75_000);
          const byCode = new Map<string, string[]>();
          for (const m of mismatches) {
            const key = m.slice(0, m.indexOf(','));
            byCode.set(key, [...(byCode.get(key) ?? []), m]);
          }
          const summary = [...byCode.values()].map((list) => `${list.length}x ${list[0]}`);
          expect(summary).toEqual([]);
        });
      }
    }
  },
);
