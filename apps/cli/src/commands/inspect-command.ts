import { loadKernelBtf } from '@bpfkit/btf';
import { objectNameOf } from '@bpfkit/loader';
import { onePath, readInput, str } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { loaderFor } from '../loader-factory.js';
import { withFormatHint } from './format-hint.js';
import { inspectObject, renderInspect } from './inspect.js';

/** `bpfkit inspect <obj>` */
export async function inspectCommand({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  const path = onePath(positionals, 'inspect');
  const btfPath = str(values, 'btf');
  const format = str(values, 'format');
  const loader = loaderFor(true, makeLoader);
  const bytes = readInput(path);
  const report = await withFormatHint(loader, bytes, objectNameOf(path), format, () =>
    inspectObject(loader, path, bytes, format, ...(btfPath ? [() => loadKernelBtf(btfPath)] : [])),
  );
  io.out(values.json ? JSON.stringify(report, null, 2) : renderInspect(report));
  return ExitCode.OK;
}
