// Starts a bench script in fresh node processes: the bpfkit side of the rows that time a first use
// in a new process (the cold BTF rows, core-relocate-cold).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs `lib/<script>` with `args` in one new node process per sample and answers each one's JSON
 * line. A process started from the bench's pinned thread would inherit its one CPU for every
 * thread, node's GC and JIT threads included (the cold parse then read 0.86–0.95 instead of
 * 0.59–0.61); these children run on every CPU, as before the bench pinned anything. Pinning only
 * their main thread would need koffi loaded before the timed work, which the rows time.
 */
export function inFreshProcesses(script, args, processes) {
  const [file, ...rest] = onEveryCpu([process.execPath, '--expose-gc', join(here, script), ...args]);
  return Array.from({ length: processes }, () => JSON.parse(execFileSync(file, rest, { encoding: 'utf8' })));
}

/** `command` (file and arguments) made to run on every CPU when the bench has pinned this thread. */
export function onEveryCpu(command) {
  return process.env.BENCH_PINNED_CPU === undefined
    ? command
    : ['taskset', '-c', `0-${cpus().length - 1}`, ...command];
}

/** The cold BTF rows' samples: [{ ms, residentMB, types }, ...], one fresh process each. */
export function firstParseInFreshProcesses(path, processes) {
  return inFreshProcesses('btf-first-parse.js', [path], processes);
}
