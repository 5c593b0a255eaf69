import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '@bpfkit/core/errors';
import { COMMON_OPTIONS, type OptionDef } from './command-table.js';

export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * node:util parseArgs over a command's options (and --verbose, --help), with its errors said in
 * one line that names the option, as UsageError (exit code 2).
 */
export function parse(
  command: string,
  args: readonly string[],
  options: Record<string, OptionDef>,
): { values: Values; positionals: string[] } {
  const all = { ...options, ...COMMON_OPTIONS };
  const config = Object.fromEntries(
    Object.entries(all).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const parsed = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(parseErrorMessage(error as NodeJS.ErrnoException, all), {
      hint: `bpfkit ${command} --help lists its options`,
    });
  }
}

/** parseArgs' messages, shortened to what went wrong with which option. */
function parseErrorMessage(error: NodeJS.ErrnoException, options: Record<string, OptionDef>): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? error.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = option?.replace(/^-+/, '');
      const def = name === undefined ? undefined : (options[name] ?? findShort(options, name));
      return def?.type === 'string'
        ? `${option} takes a value (${def.arg ?? 'VALUE'})`
        : `${option} takes no value`;
    }
    default:
      return error.message;
  }
}

function findShort(options: Record<string, OptionDef>, short: string): OptionDef | undefined {
  return Object.values(options).find((o) => o.short === short);
}

/** A string option, or undefined when absent. */
export function str(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option, [] when absent. */
export function list(values: Values, key: string): string[] {
  const value = values[key];
  return Array.isArray(value) ? value : [];
}

export function onePath(positionals: string[], command: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`${command} takes one object file`, { hint: `bpfkit ${command} <obj>` });
  return positionals[0]!;
}

/** Exactly `count` positional arguments, else a usage error naming them. */
export function exactly(positionals: string[], count: number, command: string, args: string): string[] {
  if (positionals.length !== count) {
    throw new UsageError(
      `${command} takes ${args || 'no arguments'}${positionals.length > count ? `, not ${positionals.slice(count).join(' ')}` : ''}`,
      { hint: `bpfkit ${command} --help` },
    );
  }
  return positionals;
}

export function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}
