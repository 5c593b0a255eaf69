// Starts lib/btf-first-parse.js in fresh node processes: the bpfkit side of the cold BTF rows.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'btf-first-parse.js');

/**
 * One fresh process per sample: [{ ms, residentMB, types }, ...]. A process started from the
 * bench's pinned thread would inherit its one CPU for every thread, node's GC and JIT threads
 * included (the cold parse then read 0.86–0.95 instead of 0.59–0.61); these children run on
 * every CPU, as before the bench pinned anything. Pinning only their main thread would need
 * koffi loaded before the timed parse, which the row times.
 */
export function firstParseInFreshProcesses(path, processes) {
  const command = [process.execPath, '--expose-gc', script, path];
  const [file, ...args] =
    process.env.BENCH_PINNED_CPU === undefined
      ? command
      : ['taskset', '-c', `0-${cpus().length - 1}`, ...command];
  return Array.from({ length: processes }, () => JSON.parse(execFileSync(file, args, { encoding: 'utf8' })));
}
