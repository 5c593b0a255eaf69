import { UsageError } from '@bpfkit/core';
import { objectNameOf } from '@bpfkit/loader';
import { list, onePath, readInput, str } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { decisionsTo, loaderFor } from '../loader-factory.js';
import { processStopSignal } from '../stop-signal.js';
import { withFormatHint } from './format-hint.js';
import { runCommand } from './run.js';

/** `bpfkit run <obj>` */
export async function runCli({
  values,
  positionals,
  io,
  verbose,
  makeLoader,
  stop,
}: CommandInput): Promise<number> {
  const path = onePath(positionals, 'run');
  const durationText = str(values, 'duration');
  const durationSeconds = durationText === undefined ? undefined : Number(durationText);
  if (durationSeconds !== undefined && !(Number.isFinite(durationSeconds) && durationSeconds > 0)) {
    throw new UsageError(`--duration takes a positive number of seconds, not ${durationText}`);
  }
  const maxBufferText = str(values, 'max-buffer');
  const maxBufferMiB = maxBufferText === undefined ? undefined : Number(maxBufferText);
  if (maxBufferMiB !== undefined && !(Number.isFinite(maxBufferMiB) && maxBufferMiB > 0)) {
    throw new UsageError(`--max-buffer takes a positive number of MiB, not ${maxBufferText}`);
  }
  const format = str(values, 'format');
  const eventType = str(values, 'event-type');
  const pinRoot = str(values, 'pin-root');
  const loader = loaderFor(false, makeLoader);
  const bytes = readInput(path);
  const signals = stop ? undefined : processStopSignal();
  try {
    await withFormatHint(loader, bytes, objectNameOf(path), format, () =>
      runCommand(
        loader,
        path,
        {
          bytes,
          ...(format ? { format } : {}),
          ...(durationSeconds === undefined ? {} : { durationSeconds }),
          ...(maxBufferMiB === undefined ? {} : { maxPendingBytes: Math.round(maxBufferMiB * 2 ** 20) }),
          ...(eventType ? { eventType } : {}),
          ...(pinRoot ? { pinRoot } : {}),
          programs: list(values, 'prog'),
          json: Boolean(values.json),
          sets: list(values, 'set'),
          maxEntries: list(values, 'set-max-entries'),
          events: decisionsTo(io, verbose),
          stop: stop ?? signals!.signal,
        },
        io,
      ),
    );
  } finally {
    signals?.dispose();
  }
  return ExitCode.OK;
}
