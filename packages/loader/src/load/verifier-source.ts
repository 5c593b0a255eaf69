import type { Btf } from '@bpfkit/btf';
import { type LineInfo, VerifierError } from '@bpfkit/core';
import { lineInfoAt } from '@bpfkit/relocator';

/**
 * The instruction the verifier stopped at: the last "N: (op) ..." line of its log (the verifier
 * prints each instruction as "N: (xx) text" before checking it).
 */
export function failingInstruction(log: string): number | undefined {
  const matches = [...log.matchAll(/^(\d+): \([0-9a-f]{2}\)/gm)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : undefined;
}

/**
 * Gives a verifier error the C source line of the failing instruction, from line_info: the
 * location gains `instruction` and `source`, and the message ends with "at file:line: text".
 */
export function addSourceLine(error: unknown, lineInfo: readonly LineInfo[], btf: Btf | undefined): unknown {
  if (!(error instanceof VerifierError) || !btf) return error;
  const instruction = failingInstruction(error.log);
  if (instruction === undefined) return error;
  error.location.instruction ??= instruction;
  const line = lineInfoAt(lineInfo, instruction);
  if (!line) return error;
  const file = btf.name(line.fileNameOffset);
  const text = btf.name(line.lineOffset).trim();
  error.location.source = { file, line: line.line, column: line.column, text };
  error.message += `\n  at ${file}:${line.line}: ${text}`;
  return error;
}
