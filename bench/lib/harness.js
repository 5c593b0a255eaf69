// Compiles the C harnesses on demand into bench/harness/build/ (gitignored).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'harness');
const buildDir = join(here, 'build');

/** Path of the compiled harness `name` (from harness/<name>.c), rebuilt when the source is newer. */
export function harnessBinary(name) {
  const source = join(here, `${name}.c`);
  const binary = join(buildDir, name);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(buildDir, { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source, '-lbpf'], { stdio: 'inherit' });
  }
  return binary;
}

/** Runs a harness subcommand and returns its JSON answer. */
export function runHarness(name, args) {
  const output = execFileSync(harnessBinary(name), args.map(String), { encoding: 'utf8' });
  return JSON.parse(output);
}

/**
 * Repeats `work`, untimed, for 50 ms: what an experiment that alternates harness processes with
 * bpfkit's rounds runs after each one. Node forks to start a child, which leaves every page of its
 * heap copy-on-write: in the 30–40 ms after a harness process, bpfkit's opens took some 2,000
 * minor faults and ran up to a fifth slower (experiments/after-harness.js: 32.8 µs an open in the
 * first round, 27.0 from the sixth). The object-open row needs no wait: its bpfkit side warms up
 * for about 90 ms first.
 */
export function settleAfterHarness(work) {
  const until = performance.now() + 50;
  while (performance.now() < until) work();
}
