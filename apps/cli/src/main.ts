// The bpfkit command line. This module and what it imports statically stay light (no loader, no
// BTF, no koffi): each command's code comes in through `await import()` when that command runs.
import { UsageError } from '@bpfkit/core/errors';
import { parse } from './args.js';
import { COMMANDS, type CommandDef, commandGroups } from './command-table.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { commandHelp, groupHelp, overviewHelp } from './help.js';
import type { Io } from './io.js';
import type { LoaderFactory } from './loader-factory.js';
import { describeError } from './report-error.js';
import { cliVersion } from './version.js';

const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** What main takes besides argv and io: tests pass their own loader and stop signal. */
export interface MainContext {
  makeLoader?: LoaderFactory;
  /** ends `bpfkit run`; default: SIGINT or SIGTERM */
  stop?: AbortSignal;
}

/** Runs one bpfkit command and returns its exit code; never throws. */
export async function main(
  argv: readonly string[],
  io: Io = defaultIo,
  context: MainContext | LoaderFactory = {},
): Promise<number> {
  const { makeLoader, stop } =
    typeof context === 'function' ? { makeLoader: context, stop: undefined } : context;
  const verbose = optionGiven(argv, '--verbose', '-v');
  try {
    const [first, second] = argv;
    if (first === undefined) {
      io.err(overviewHelp());
      return ExitCode.BAD_INPUT;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      io.out(overviewHelp());
      return ExitCode.OK;
    }
    if (first === '--version' || first === '-V') {
      io.out(cliVersion());
      return ExitCode.OK;
    }
    const groups = commandGroups();
    // `link` is both a command (link objects) and a group (`link list`): a known sub-command wins
    const sub = second === undefined ? undefined : findCommand(`${first} ${second}`);
    if (groups.includes(first) && (sub || !findCommand(first))) {
      const command = sub;
      if (!command) {
        if (second === '--help' || second === '-h') {
          io.out(groupHelp(first));
          return ExitCode.OK;
        }
        throw new UsageError(
          second === undefined ? `${first} takes a sub-command` : `unknown command ${first} ${second}`,
          { hint: `bpfkit ${first} --help lists them` },
        );
      }
      return await runCommand(command, argv.slice(2), io, verbose, makeLoader, stop);
    }
    const command = findCommand(first);
    if (!command) {
      throw new UsageError(`unknown command ${first}`, {
        hint: `commands: ${[...new Set(COMMANDS.map((c) => c.name.split(' ')[0]))].join(', ')} (bpfkit --help)`,
      });
    }
    return await runCommand(command, argv.slice(1), io, verbose, makeLoader, stop);
  } catch (error) {
    io.err(describeError(error, verbose));
    return exitCodeFor(error);
  }
}

async function runCommand(
  command: CommandDef,
  args: readonly string[],
  io: Io,
  verbose: boolean,
  makeLoader: LoaderFactory | undefined,
  stop: AbortSignal | undefined,
): Promise<number> {
  if (optionGiven(args, '--help', '-h')) {
    io.out(commandHelp(command));
    return ExitCode.OK;
  }
  const { values, positionals } = parse(command.name, args, command.options);
  const run = await command.run();
  return await run({ values, positionals, io, verbose, makeLoader, stop });
}

function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** A flag anywhere before a `--` that ends the options. */
function optionGiven(args: readonly string[], long: string, short: string): boolean {
  const end = args.indexOf('--');
  const options = end < 0 ? args : args.slice(0, end);
  return options.includes(long) || options.includes(short);
}
