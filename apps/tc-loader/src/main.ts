import { isBpfkitError, type VerifierError } from '@bpfkit/core';
import type { Loader } from '@bpfkit/loader';
import { type AttachedFilter, addFilter } from './add-filter.js';
import { parseTcArgs, USAGE } from './args.js';
import { type DeletedFilter, deleteFilter } from './delete-filter.js';
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
      const deleted = deleteFilter(tc.backend, command);
      io.out(
        command.json
          ? JSON.stringify({
              deleted: deleted.linkPin,
              ...(deleted.filters ? { filters: deleted.filters } : {}),
            })
          : describeDeleted(deleted),
      );
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

function describeDeleted(deleted: DeletedFilter): string {
  if (!deleted.filters) return `detached and unpinned ${deleted.linkPin}`;
  const filters = deleted.filters.map((f) => `pref ${f.priority} handle 0x${f.handle.toString(16)}`);
  return `deleted ${filters.length ? `filter ${filters.join(', ')}` : 'no filter (it was gone)'} and unpinned ${deleted.linkPin}`;
}

function describeAttached(a: AttachedFilter): string {
  const how = a.filter
    ? [
        `attached ${a.program.name} (section ${a.section}, id ${a.program.id}) as a cls_bpf filter at ${a.direction} of ${a.device}: pref ${a.filter.priority} handle 0x${a.filter.handle.toString(16)} bpf da name ${a.filter.name}`,
        `program pinned at ${a.linkPin}`,
      ]
    : [
        `attached ${a.program.name} (section ${a.section}, id ${a.program.id}) at tcx ${a.direction} of ${a.device}`,
        `link pinned at ${a.linkPin}`,
      ];
  return [
    ...how,
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
