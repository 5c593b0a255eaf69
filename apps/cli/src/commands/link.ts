import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '@bpfkit/core';
import { linkObjects } from '@bpfkit/linker';
import { readInput } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';

/**
 * `bpfkit link OUT.o IN.o...`: one relocatable object from several, with externs resolved between
 * them (what libbpf's linker and `bpftool gen object` make). Writes OUT.o; prints nothing unless
 * --verbose.
 */
export async function linkCli({ positionals, io, verbose }: CommandInput): Promise<number> {
  const [output, ...inputs] = positionals;
  if (output === undefined || inputs.length === 0) {
    throw new UsageError('link takes an output file and at least one input object', {
      hint: 'bpfkit link out.o a.o b.o',
    });
  }
  if (inputs.includes(output)) {
    throw new UsageError(`the output ${output} is also an input`, {
      hint: 'write the linked object to a new file',
    });
  }
  const bytes = linkObjects(inputs.map((path) => ({ name: basename(path), bytes: readInput(path) })));
  try {
    writeFileSync(output, bytes);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  if (verbose) io.err(`bpfkit: linked ${inputs.length} objects into ${output} (${bytes.length} bytes)`);
  return ExitCode.OK;
}
