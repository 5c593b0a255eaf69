import { type Instruction, type InstructionStream, isLdImm64, streamInstructions } from '@bpfkit/core';
import { createFormatter, type DisassembleOptions, UNKNOWN_INSTRUCTION } from './format.js';

/** One printed instruction; a 64-bit immediate load is one line over two slots. */
export interface DisassembledLine {
  /** index of the (first) slot */
  index: number;
  instruction: Instruction;
  /** 2 for a 64-bit immediate load, else 1 */
  slots: 1 | 2;
  /** the assembly text, as llvm-objdump prints it after the hex bytes */
  text: string;
}

/** Formats every instruction, skipping the second slot of 64-bit immediate loads. */
export function disassemble(
  code: readonly Instruction[] | InstructionStream,
  options: DisassembleOptions = {},
): DisassembledLine[] {
  const insns = isStream(code) ? streamInstructions(code) : code;
  const format = createFormatter(options);
  const lines: DisassembledLine[] = [];
  for (let index = 0; index < insns.length; ) {
    const instruction = insns[index]!;
    const text = format(insns, index);
    // An undecodable first slot is one line, as in llvm-objdump; the next slot gets its own.
    const slots = isLdImm64(instruction) && text !== UNKNOWN_INSTRUCTION ? 2 : 1;
    lines.push({ index, instruction, slots, text });
    index += slots;
  }
  return lines;
}

/**
 * A printable listing: one line per instruction with its index, and a `name:` heading where a
 * symbol starts, in the spirit of `llvm-objdump -d` and `bpftool prog dump xlated`.
 */
export function disassembleProgram(
  code: readonly Instruction[] | InstructionStream,
  options: DisassembleOptions = {},
): string {
  const lines = disassemble(code, options);
  const width = String(Math.max(0, (lines.at(-1)?.index ?? 0) + (lines.at(-1)?.slots ?? 1) - 1)).length;
  const headings = new Map<number, string[]>();
  for (const symbol of options.symbols ?? []) {
    headings.set(symbol.instruction, [...(headings.get(symbol.instruction) ?? []), symbol.name]);
  }
  const out: string[] = [];
  for (const line of lines) {
    for (const name of headings.get(line.index) ?? []) out.push(`${name}:`);
    out.push(`${String(line.index).padStart(width)}: ${line.text.replace('\t', ' ')}`);
  }
  return out.join('\n');
}

function isStream(code: readonly Instruction[] | InstructionStream): code is InstructionStream {
  return !Array.isArray(code);
}
