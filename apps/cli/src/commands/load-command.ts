import { UsageError } from '@bpfkit/core';
import { objectNameOf } from '@bpfkit/loader';
import { list, onePath, readInput, str } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { decisionsTo, loaderFor } from '../loader-factory.js';
import { withFormatHint } from './format-hint.js';
import { loadCommand, renderLoad } from './load.js';

/** `bpfkit load <obj>` */
export async function loadCli({
  values,
  positionals,
  io,
  verbose,
  makeLoader,
}: CommandInput): Promise<number> {
  const path = onePath(positionals, 'load');
  const dryRun = Boolean(values['dry-run']);
  const logLevelText = str(values, 'log-level');
  const logLevel = logLevelText === undefined ? undefined : Number(logLevelText);
  if (logLevel !== undefined && !(Number.isInteger(logLevel) && logLevel >= 0 && logLevel <= 7)) {
    throw new UsageError(`--log-level takes 0 to 7, not ${logLevelText}`);
  }
  const format = str(values, 'format');
  const pinDir = str(values, 'pin-dir');
  const pinRoot = str(values, 'pin-root');
  const btfPath = str(values, 'btf');
  const loader = loaderFor(dryRun, makeLoader);
  const bytes = readInput(path);
  const report = await withFormatHint(loader, bytes, objectNameOf(path), format, () =>
    loadCommand(loader, path, {
      bytes,
      ...(format ? { format } : {}),
      ...(pinDir ? { pinDir } : {}),
      ...(pinRoot ? { pinRoot } : {}),
      ...(logLevel === undefined ? {} : { logLevel }),
      reuseMaps: list(values, 'map'),
      sets: list(values, 'set'),
      maxEntries: list(values, 'set-max-entries'),
      ...(btfPath ? { btfPath } : {}),
      events: decisionsTo(io, verbose),
    }),
  );
  io.out(values.json ? JSON.stringify(report) : renderLoad(report, dryRun));
  return ExitCode.OK;
}
