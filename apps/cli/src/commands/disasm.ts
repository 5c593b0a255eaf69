import { disassemble, helperName, InsnClass, JmpOp } from '@bpfkit/asm';
import {
  type Instruction,
  type InstructionStream,
  instructionCount,
  NotFoundError,
  streamReferences,
} from '@bpfkit/core';
import { type Loader, objectNameOf } from '@bpfkit/loader';
import { onePath, readInput, str } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { loaderFor } from '../loader-factory.js';
import { withFormatHint } from './format-hint.js';
import { describeRelocation } from './inspect.js';

/** `bpfkit disasm <obj>` */
export async function disasmCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  const path = onePath(positionals, 'disasm');
  const format = str(values, 'format');
  const loader = loaderFor(true, makeLoader);
  const bytes = readInput(path);
  const text = await withFormatHint(loader, bytes, objectNameOf(path), format, () =>
    disasmCommand(loader, path, bytes, str(values, 'prog'), format),
  );
  io.out(text);
  return ExitCode.OK;
}

/** `bpfkit disasm`: every program (or one) and every function, with their relocations. */
export function disasmCommand(
  loader: Loader,
  path: string,
  bytes: Uint8Array,
  programName: string | undefined,
  format: string | undefined,
): string {
  const spec = loader.open(bytes, { name: objectNameOf(path), ...(format ? { format } : {}) });
  const programs = programName ? spec.programs.filter((p) => p.name === programName) : spec.programs;
  if (programName && programs.length === 0) {
    throw new NotFoundError(`no program named ${programName}`, {
      location: { object: spec.name },
      hint: `programs: ${spec.programs.map((p) => p.name).join(', ')}`,
    });
  }
  const blocks = [...programs, ...(programName ? [] : spec.functions)].map((fn) => {
    const header = `${fn.name} (section ${fn.section}):`;
    const notes = streamReferences(fn.instructions).map((r) => `  ; ${describeRelocation(r)}`);
    return [header, listing(fn.instructions), ...notes].join('\n');
  });
  return blocks.join('\n\n');
}

/** One line per instruction with its index; helper calls by name, as `bpftool prog dump xlated`. */
function listing(code: InstructionStream): string {
  const width = String(Math.max(0, instructionCount(code) - 1)).length;
  return disassemble(code)
    .map((line) => {
      const text = isHelperCall(line.instruction) ? helperCallText(line.instruction.imm) : line.text;
      return `${String(line.index).padStart(width)}: ${text.replace('\t', ' ')}`;
    })
    .join('\n');
}

/** BPF_JMP | BPF_CALL with src_reg 0: a helper (1 is a bpf-to-bpf call, 2 a kfunc). */
function isHelperCall(insn: Instruction): boolean {
  return insn.code === (InsnClass.JMP | JmpOp.CALL) && insn.src === 0;
}

function helperCallText(id: number): string {
  const name = helperName(id);
  return name ? `call bpf_${name}#${id}` : `call unknown#${id}`;
}
