// Starts lib/btf-first-parse.js in fresh node processes: the bpfkit side of the cold BTF rows.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'btf-first-parse.js');

/** One fresh process per sample: [{ ms, residentMB, types }, ...]. */
export function firstParseInFreshProcesses(path, processes) {
  return Array.from({ length: processes }, () =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, path], { encoding: 'utf8' })),
  );
}
