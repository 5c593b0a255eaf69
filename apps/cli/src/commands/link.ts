import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '@bpfkit/core';
import { linkObjects } from '@bpfkit/linker';
import { parse, readInput } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** The help line of `bpfkit link`, for the command list. */
export const LINK_USAGE =
  '  link <out.o> <in.o>...                   link BPF objects into one (as bpftool gen object does)';

/**
 * `bpfkit link OUT.o IN.o...`: one relocatable object from several, with externs resolved between
 * them (what libbpf's linker and `bpftool gen object` make). Writes OUT.o; prints nothing unless
 * --verbose.
 */
export function linkCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, {});
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
  if (values.verbose)
    io.err(`bpfkit: linked ${inputs.length} objects into ${output} (${bytes.length} bytes)`);
  return ExitCode.OK;
}
