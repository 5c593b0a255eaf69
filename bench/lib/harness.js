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
