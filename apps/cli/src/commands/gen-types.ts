import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type EventSink, silentEvents } from '@bpfkit/core';
import { type Loader, objectNameOf } from '@bpfkit/loader';
import { onePath, readInput, str } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { generateModule } from '../gen/skeleton-module.js';
import { decisionsTo, loaderFor } from '../loader-factory.js';
import { withFormatHint } from './format-hint.js';

export interface GenTypesOptions {
  format?: string;
  /** where to write the module; undefined: return it for stdout */
  outFile?: string;
  events?: EventSink;
}

/** `bpfkit gen types`: the typed TypeScript module of an object (see gen/skeleton-module.ts). */
export function genTypesCommand(loader: Loader, path: string, options: GenTypesOptions): string {
  const bytes = readInput(path);
  const objectName = objectNameOf(path);
  const spec = loader.open(
    bytes,
    { name: objectName, ...(options.format ? { format: options.format } : {}) },
    options.events ?? silentEvents,
  );
  // the header names the file only: an absolute path would leak the build machine into the module
  const module = generateModule(spec, bytes, { objectName, source: basename(path) });
  if (options.outFile) {
    mkdirSync(dirname(options.outFile), { recursive: true });
    writeFileSync(options.outFile, module);
  }
  return module;
}

/** `bpfkit gen types <obj>` */
export async function genTypesCli({
  values,
  positionals,
  io,
  verbose,
  makeLoader,
}: CommandInput): Promise<number> {
  const path = onePath(positionals, 'gen types');
  const outFile = str(values, 'out');
  const format = str(values, 'format');
  const loader = loaderFor(true, makeLoader);
  const module = await withFormatHint(loader, readInput(path), objectNameOf(path), format, () =>
    genTypesCommand(loader, path, {
      ...(outFile ? { outFile } : {}),
      ...(format ? { format } : {}),
      events: decisionsTo(io, verbose),
    }),
  );
  if (!outFile) io.out(module);
  else if (verbose) io.err(`bpfkit: wrote ${outFile}`);
  return ExitCode.OK;
}
