import { loadKernelBtf } from '@bpfkit/btf';
import { type EventSink, UsageError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader, type Loader } from '@bpfkit/loader';
import { bccPlugin } from '@bpfkit/maps-bcc';
import { iproute2Plugin } from '@bpfkit/maps-iproute2';
import { list, onePath, parse, readInput, str } from './args.js';
import { disasmCommand } from './commands/disasm.js';
import { genTypesCommand } from './commands/gen-types.js';
import { inspectObject, renderInspect } from './commands/inspect.js';
import { linkCommand } from './commands/link.js';
import { loadCommand, renderLoad } from './commands/load.js';
import { type MapAction, mapCommand } from './commands/map.js';
import { listPrograms, renderProgramList } from './commands/prog.js';
import { runCommand } from './commands/run.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import type { Io } from './io.js';
import { describeError } from './report-error.js';
import { processStopSignal } from './stop-signal.js';

const USAGE = `usage: bpfkit <command> [options]

commands:
  inspect <obj> [--json] [--format F] [--btf PATH]
                                           sections, programs, maps, variables, relocations (CO-RE ones
                                           resolved against PATH or the running kernel's BTF), license
  load <obj> [--pin-dir DIR] [--pin-root DIR] [--format auto|libbpf|legacy|iproute2|bcc] [--map NAME=PINPATH]...
       [--set VAR=VALUE]... [--set-max-entries MAP=N]... [--btf PATH] [--dry-run] [--json] [--verbose] [--log-level N]
                                           load every autoload program and its maps into the kernel
  disasm <obj> [--prog NAME] [--format F]  disassemble programs and functions
  run <obj> [--prog NAME]... [--duration S] [--json] [--set VAR=VALUE]... [--set-max-entries MAP=N]...
      [--event-type STRUCT] [--format F] [--pin-root DIR] [--verbose]
                                           load, attach, print ring/perf buffer events; maps and
                                           variables at exit (duration, Ctrl-C or SIGTERM)
  gen types <obj> [-o FILE.ts] [--format F] a typed TypeScript module (maps, variables, load())
  map dump <id|pin> [--json]               every entry, decoded with the map's BTF
  map lookup <id|pin> KEY [--json]         KEY/VALUE: hex bytes "01 00 00 00", or a number/JSON
  map update <id|pin> KEY VALUE [--json]   when the map has BTF key/value types
  prog list [--json]                       every program in the kernel

exit codes: 0 ok, 1 the kernel refused, 2 bad input or usage`;

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** What main takes besides argv and io: tests pass their own stop signal (main wires SIGINT/SIGTERM). */
export interface MainContext {
  makeLoader?: (dryRun: boolean) => Loader;
  /** ends `bpfkit run`; default: SIGINT or SIGTERM */
  stop?: AbortSignal;
}

/** Runs one bpfkit command and returns its exit code; never throws. */
export async function main(
  argv: readonly string[],
  io: Io = defaultIo,
  context: MainContext | ((dryRun: boolean) => Loader) = {},
): Promise<number> {
  const { makeLoader, stop } =
    typeof context === 'function' ? { makeLoader: context, stop: undefined } : context;
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
      case 'run':
        return await runRun(rest, io, makeLoader, stop);
      case 'gen':
        return runGen(rest, io, makeLoader);
      case 'map':
        return runMap(rest, io, makeLoader);
      case 'prog':
        return runProg(rest, io, makeLoader);
      case 'link':
        return linkCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? ExitCode.BAD_INPUT : ExitCode.OK;
      default:
        throw new UsageError(`unknown command ${command}`, {
          hint: 'commands: inspect, load, disasm, run, gen, map, prog (bpfkit --help)',
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
  const plugins = [iproute2Plugin(), bccPlugin()];
  return createLoader(dryRun ? { backend: new SimulatedKernel(), plugins } : { plugins });
}

/** Prints the open phase's decisions (which format read which section) and warnings on stderr. */
function decisionsTo(io: Io, showDecisions = true): EventSink {
  return {
    emit(event) {
      if (event.type === 'decision' && showDecisions) io.err(`bpfkit: ${event.message}`);
      if (event.type === 'warning') io.err(`bpfkit: warning: ${event.message}`);
    },
  };
}

function runInspect(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    format: { type: 'string' },
    btf: { type: 'string' },
  });
  const path = onePath(positionals, 'inspect');
  const btfPath = str(values, 'btf');
  const report = inspectObject(
    loaderFor(true, makeLoader),
    path,
    readInput(path),
    str(values, 'format'),
    ...(btfPath ? [() => loadKernelBtf(btfPath)] : []),
  );
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
    set: { type: 'string', multiple: true },
    'set-max-entries': { type: 'string', multiple: true },
    btf: { type: 'string' },
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
    sets: (values.set as string[] | undefined) ?? [],
    maxEntries: (values['set-max-entries'] as string[] | undefined) ?? [],
    ...(str(values, 'btf') ? { btfPath: str(values, 'btf')! } : {}),
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

async function runRun(
  args: string[],
  io: Io,
  makeLoader: ((dryRun: boolean) => Loader) | undefined,
  stop: AbortSignal | undefined,
): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    format: { type: 'string' },
    prog: { type: 'string', multiple: true },
    duration: { type: 'string' },
    set: { type: 'string', multiple: true },
    'set-max-entries': { type: 'string', multiple: true },
    'event-type': { type: 'string' },
    'pin-root': { type: 'string' },
  });
  const path = onePath(positionals, 'run');
  const durationText = str(values, 'duration');
  const durationSeconds = durationText === undefined ? undefined : Number(durationText);
  if (durationSeconds !== undefined && !(Number.isFinite(durationSeconds) && durationSeconds > 0)) {
    throw new UsageError(`--duration takes a positive number of seconds, not ${durationText}`);
  }
  const signals = stop ? undefined : processStopSignal();
  const format = str(values, 'format');
  const eventType = str(values, 'event-type');
  const pinRoot = str(values, 'pin-root');
  try {
    await runCommand(
      loaderFor(false, makeLoader),
      path,
      {
        ...(format ? { format } : {}),
        ...(durationSeconds === undefined ? {} : { durationSeconds }),
        ...(eventType ? { eventType } : {}),
        ...(pinRoot ? { pinRoot } : {}),
        programs: list(values, 'prog'),
        json: Boolean(values.json),
        sets: list(values, 'set'),
        maxEntries: list(values, 'set-max-entries'),
        events: decisionsTo(io, Boolean(values.verbose)),
        stop: stop ?? signals!.signal,
      },
      io,
    );
  } finally {
    signals?.dispose();
  }
  return ExitCode.OK;
}

function runGen(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const [what, ...rest] = args;
  if (what !== 'types') {
    throw new UsageError(`unknown gen target ${what ?? '(none)'}`, {
      hint: 'bpfkit gen types <obj> [-o FILE.ts]',
    });
  }
  const { values, positionals } = parse(rest, {
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
  });
  const path = onePath(positionals, 'gen types');
  const outFile = str(values, 'out');
  const format = str(values, 'format');
  const module = genTypesCommand(loaderFor(true, makeLoader), path, {
    ...(outFile ? { outFile } : {}),
    ...(format ? { format } : {}),
    events: decisionsTo(io, Boolean(values.verbose)),
  });
  if (outFile) io.err(`bpfkit: wrote ${outFile}`);
  else io.out(module);
  return ExitCode.OK;
}

function runMap(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  const [action, target, key, value, ...extra] = positionals;
  const arity: Record<string, number> = { dump: 0, lookup: 1, update: 2 };
  const wanted = action === undefined ? undefined : arity[action];
  if (wanted === undefined || target === undefined) {
    throw new UsageError(`map takes dump|lookup|update and a map id or pin path`, {
      hint: 'bpfkit map dump 42 / bpfkit map lookup /sys/fs/bpf/counts "01 00 00 00"',
    });
  }
  const given = [key, value].filter((a) => a !== undefined).length;
  if (given !== wanted || extra.length > 0) {
    throw new UsageError(`map ${action} takes ${['no key', 'KEY', 'KEY VALUE'][wanted]} after the map`);
  }
  const loader = loaderFor(false, makeLoader);
  mapCommand(
    loader.backend,
    {
      action: action as MapAction,
      target,
      ...(key === undefined ? {} : { key }),
      ...(value === undefined ? {} : { value }),
      json: Boolean(values.json),
    },
    io,
  );
  return ExitCode.OK;
}

function runProg(args: string[], io: Io, makeLoader?: (dryRun: boolean) => Loader): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals[0] !== 'list' || positionals.length !== 1) {
    throw new UsageError(`prog takes list`, { hint: 'bpfkit prog list [--json]' });
  }
  const loader = loaderFor(false, makeLoader);
  const programs = listPrograms(loader.backend);
  io.out(values.json ? JSON.stringify(programs) : renderProgramList(programs));
  return ExitCode.OK;
}
