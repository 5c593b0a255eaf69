import { isBpfkitError, type VerifierError } from '@bpfkit/core';
import type { Loader } from '@bpfkit/loader';
import { type AttachedFilter, addFilter } from './add-filter.js';
import { parseTcArgs, USAGE } from './args.js';
import { deleteFilter } from './delete-filter.js';
import { createTcLoader } from './tc-loader.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs one bpfkit-tc command and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: Io = defaultIo, loader?: Loader): Promise<number> {
  try {
    const command = parseTcArgs(argv);
    if (command.kind === 'help') {
      io.out(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    const tc = loader ?? createTcLoader();
    if (command.kind === 'del') {
      const { linkPin } = deleteFilter(tc.backend, command);
      io.out(command.json ? JSON.stringify({ deleted: linkPin }) : `detached and unpinned ${linkPin}`);
      return 0;
    }
    const attached = await addFilter(tc, command);
    io.out(command.json ? JSON.stringify(attached, null, 2) : describeAttached(attached));
    return 0;
  } catch (error) {
    io.err(describeError(error));
    return isBpfkitError(error) && ['KERNEL', 'VERIFIER', 'PERMISSION', 'NOT_SUPPORTED'].includes(error.code)
      ? 1
      : 2;
  }
}

function describeAttached(a: AttachedFilter): string {
  return [
    `attached ${a.program.name} (section ${a.section}, id ${a.program.id}) at tcx ${a.direction} of ${a.device}`,
    `link pinned at ${a.linkPin}`,
    ...a.maps.map(
      (m) => `map ${m.name} (id ${m.id}): ${m.pin ?? 'not pinned'}${m.reused ? ' (reused)' : ''}`,
    ),
    ...a.tailCalls.map((t) => `tail call ${t.map}[${t.slot}] -> ${t.program} (id ${t.programId})`),
  ].join('\n');
}

function describeError(error: unknown): string {
  if (!isBpfkitError(error)) return `bpfkit-tc: ${error instanceof Error ? error.message : String(error)}`;
  const lines = [`bpfkit-tc: ${error.describe()}`];
  if (error.name === 'VerifierError')
    lines.push(...(error as VerifierError).log.trimEnd().split('\n').slice(-20));
  return lines.join('\n');
}
