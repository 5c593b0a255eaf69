import { disassembleProgram } from '@bpfkit/asm';
import { NotFoundError, streamReferences } from '@bpfkit/core';
import type { Loader } from '@bpfkit/loader';
import { describeRelocation } from './inspect.js';

/** `bpfkit disasm`: every program (or one) and every function, with their relocations. */
export function disasmCommand(
  loader: Loader,
  path: string,
  programName: string | undefined,
  format: string | undefined,
): string {
  const spec = loader.open(path, format ? { format } : {});
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
    return [header, disassembleProgram(fn.instructions), ...notes].join('\n');
  });
  return blocks.join('\n\n');
}
