import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '@bpfkit/core';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** node:util parseArgs, with its errors as UsageError (exit code 2). --verbose is always allowed. */
export function parse(args: string[], options: OptionSpec): { values: Values; positionals: string[] } {
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

export function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}
