import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EventSink, UsageError, withPlugins } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createDefaultContainer, createLoader, type Loader } from '@bpfkit/loader';
import { bccPlugin } from '@bpfkit/maps-bcc';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';
import { disasmCommand } from './commands/disasm.js';
import { inspectObject, renderInspect } from './commands/inspect.js';
import { loadCommand, renderLoad } from './commands/load.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { describeError } from './report-error.js';

const USAGE = `usage: bpfkit <command> [options]

commands:
  inspect <obj> [--json] [--format F]      sections, programs, maps, relocations, license
  load <obj> [--pin-dir DIR] [--pin-root DIR] [--format auto|libbpf|legacy|iproute2|bcc] [--map NAME=PINPATH]...
       [--dry-run] [--json] [--verbose] [--log-level N]
                                           load every autoload program and its maps into the kernel
  disasm <obj> [--prog NAME] [--format F]  disassemble programs and functions

exit codes: 0 ok, 1 the kernel refused, 2 bad input or usage`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs one bpfkit command and returns its exit code; never throws. */
export async function main(
  argv: readonly string[],
  io: Io = defaultIo,
  makeLoader?: (dryRun: boolean) => Loader,
): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'inspect':
        return runInspect(rest, io, makeLoader);
      case 'load':
        return await runLoad(rest, io, makeLoader);
      case 'disasm':
        return runDisasm(rest, io, makeLoader);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? ExitCode.BAD_INPUT : ExitCode.OK;
      default:
        throw new UsageError(`unknown command ${command}`, {
          hint: 'commands: inspect, load, disasm (bpfkit --help)',
        });
    }
  } catch (error) {
    io.err(describeError(error, verbose));
    return exitCodeFor(error);
  }
}

/** The CLI's composition root: the default pipeline plus the format plugins bpfkit ships. */
function loaderFor(dryRun: boolean, makeLoader?: (dryRun: boolean) => Loader): Loader {
  if (makeLoader) return makeLoader(dryRun);
  const base = createDefaultContainer(dryRun ? { backend: new SimulatedKernel() } : {});
  return createLoader(withPlugins(base, iproute2Plugin(), bccPlugin()));
}

/** Prints the open phase's decisions (which format read which section) and warnings on stderr. */
function decisionsTo(io: Io): EventSink {
  return {
    emit(event) {
      if (event.type === 'decision') io.err(`bpfkit: ${event.message}`);
      if (event.type === 'warning') io.err(`bpfkit: warning: ${event.message}`);
    },
  };
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
type Values = Record<string, string | boolean | string[] | undefined>;

function parse(args: string[], options: OptionSpec): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, verbose: { type: 'boolean', short: 'v' } },
      allowPositionals: true,
    });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message, { hint: 'bpfkit --help lists the options' });
  }
}

/** A string option, or undefined when absent. */
function str(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

function onePath(positionals: string[], command: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`${command} takes one object file`, { hint: `bpfkit ${command} <obj>` });
  return positionals[0]!;
}

function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function runInspect(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, format: { type: 'string' } });
  const path = onePath(positionals, 'inspect');
  const report = inspectObject(loaderFor(true, makeLoader), path, readInput(path), str(values, 'format'));
  io.out(values.json ? JSON.stringify(report, null, 2) : renderInspect(report));
  return ExitCode.OK;
}

async function runLoad(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    format: { type: 'string' },
    'pin-dir': { type: 'string' },
    'pin-root': { type: 'string' },
    'dry-run': { type: 'boolean' },
    'log-level': { type: 'string' },
    map: { type: 'string', multiple: true },
  });
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
  const report = await loadCommand(loaderFor(dryRun, makeLoader), path, {
    ...(format ? { format } : {}),
    ...(pinDir ? { pinDir } : {}),
    ...(pinRoot ? { pinRoot } : {}),
    ...(logLevel === undefined ? {} : { logLevel }),
    reuseMaps: (values.map as string[] | undefined) ?? [],
    events: decisionsTo(io),
  });
  io.out(values.json ? JSON.stringify(report) : renderLoad(report, dryRun));
  return ExitCode.OK;
}

function runDisasm(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const { values, positionals } = parse(args, { prog: { type: 'string' }, format: { type: 'string' } });
  const path = onePath(positionals, 'disasm');
  io.out(disasmCommand(loaderFor(true, makeLoader), path, str(values, 'prog'), str(values, 'format')));
  return ExitCode.OK;
}
