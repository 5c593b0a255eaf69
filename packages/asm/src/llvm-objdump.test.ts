import { basename } from 'node:path';
import { SHF_EXECINSTR, STT_FUNC, STT_NOTYPE } from '@bpfkit/core';
import { type ElfFile, readElf } from '@bpfkit/elf-reader';
import { describe, expect, it } from 'vitest';
import { decodeInstructions } from './decode.js';
import { disassemble } from './disassemble.js';
import type { SymbolLabel } from './format.js';
import {
  fixtureTwins,
  OBJDUMP,
  objdump,
  objectFiles,
  readBytes,
  toolMissing,
} from './llvm-tools.test-helpers.js';
import { AtomicOp, InsnClass, Mode, Size } from './opcodes.js';

const missing = toolMissing(OBJDUMP);

function executableSections(elf: ElfFile) {
  return elf.sections.filter((section) => (section.flags & SHF_EXECINSTR) !== 0n && section.size > 0);
}

function symbolsOf(elf: ElfFile, sectionIndex: number): SymbolLabel[] {
  return elf
    .symbolsInSection(sectionIndex)
    .filter((symbol) => (symbol.type === STT_FUNC || symbol.type === STT_NOTYPE) && symbol.name !== '')
    .map((symbol) => ({ name: symbol.name, instruction: Number(symbol.value) / 8 }));
}

/**
 * LLVM 19 without alu32 decodes a 32-bit atomic only as the old XADDW: any other operation prints
 * as <unknown> (or, for fetch-add, as a plain add). We print what the instruction does, which is
 * what `--mcpu=v4` prints.
 */
function isLlvm19NarrowAtomicGap(code: number, imm: number): boolean {
  return code === (InsnClass.STX | Mode.ATOMIC | Size.W) && imm !== AtomicOp.ADD;
}

describe.skipIf(missing !== undefined)(`disassembly equals ${OBJDUMP} -d ${missing ?? ''}`, () => {
  const files = objectFiles();

  it('has objects of both byte orders to compare', () => {
    expect(files.some((file) => file.endsWith('.bpfel.o'))).toBe(true);
    expect(files.some((file) => file.endsWith('.bpfeb.o'))).toBe(true);
    expect(files.some((file) => file.includes('insn_coverage'))).toBe(true);
  });

  for (const file of files) {
    it(`matches every instruction of ${basename(file)}, with and without alu32`, () => {
      const elf = readElf(readBytes(file), file);
      const plain = objdump(file);
      const alu32 = objdump(file, ['--mcpu=v4']);
      let compared = 0;
      for (const section of executableSections(elf)) {
        const insns = decodeInstructions(elf.sectionData(section.index), elf.byteOrder);
        const symbols = symbolsOf(elf, section.index);
        const options = { symbols, section: section.name };
        const oursPlain = disassemble(insns, options);
        const oursAlu32 = disassemble(insns, { ...options, alu32: true });
        const theirsPlain = plain.get(section.name);
        const theirsAlu32 = alu32.get(section.name);
        expect(theirsPlain, `objdump lists section ${section.name}`).toBeDefined();
        expect(oursPlain.map((line) => line.index)).toEqual([...theirsPlain!.keys()]);
        expect(oursAlu32.map((line) => line.index)).toEqual([...theirsAlu32!.keys()]);
        for (const [i, line] of oursPlain.entries()) {
          const where = `${section.name} insn ${line.index}`;
          const gap = isLlvm19NarrowAtomicGap(line.instruction.code, line.instruction.imm);
          const expected = gap ? theirsAlu32!.get(line.index) : theirsPlain!.get(line.index);
          expect(line.text, where).toBe(expected);
          expect(oursAlu32[i]!.text, `${where} (alu32)`).toBe(theirsAlu32!.get(line.index));
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});

describe('big-endian twins', () => {
  for (const twin of fixtureTwins()) {
    it(`decodes ${basename(twin.big)} into the same kind of program as its little-endian twin`, () => {
      const little = readElf(readBytes(twin.little), twin.little);
      const big = readElf(readBytes(twin.big), twin.big);
      expect(big.byteOrder).toBe('big');
      const names = (elf: ElfFile) => executableSections(elf).map((s) => s.name);
      expect(names(big)).toEqual(names(little));
      for (const section of executableSections(big)) {
        const insns = decodeInstructions(big.sectionData(section.index), 'big');
        // Registers stay in 0..10 only when the nibbles were read in the right order.
        for (const insn of insns) {
          if (insn.code === 0) continue; // second slot of ld_imm64
          expect(insn.dst).toBeLessThanOrEqual(10);
          expect(insn.src).toBeLessThanOrEqual(10);
        }
      }
    });
  }
});
