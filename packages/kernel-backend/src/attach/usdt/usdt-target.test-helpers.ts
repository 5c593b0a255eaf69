import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const fixture = (name: string) => new URL(`../../../../../fixtures/${name}`, import.meta.url).pathname;

/** Why fixtures/usdt_target.c cannot be built here (no gcc, no <sys/sdt.h>), or undefined. */
export function usdtTargetBuildProblem(): string | undefined {
  const probe = spawnSync('gcc', ['-E', '-x', 'c', '-'], { input: '#include <sys/sdt.h>\n' });
  if (probe.error) return 'gcc is not installed';
  if (probe.status !== 0) return '<sys/sdt.h> is missing (install systemtap-sdt-dev)';
  return undefined;
}

/** Compiles the USDT target into `dir` as bpfkit_usdt_target (a PIE unless `flags` say otherwise). */
export function buildUsdtTarget(dir: string, flags: string[] = []): string {
  const binary = join(dir, 'bpfkit_usdt_target');
  execFileSync('gcc', ['-O2', ...flags, '-o', binary, fixture('usdt_target.c'), fixture('usdt_guarded.c')]);
  return binary;
}

/** The stapsdt notes as binutils' `readelf -n` prints them: the oracle for the note reader. */
export function readelfNotes(binary: string): Record<string, string>[] {
  const text = execFileSync('readelf', ['-n', binary], { encoding: 'utf8' });
  const notes: Record<string, string>[] = [];
  for (const block of text.split(/NT_STAPSDT[^\n]*\n/).slice(1)) {
    const field = (name: string) => new RegExp(`${name}: (\\S*)`).exec(block)?.[1] ?? '';
    notes.push({
      provider: field('Provider'),
      name: field('Name'),
      location: field('Location').replace(/,$/, ''),
      base: field('Base').replace(/,$/, ''),
      semaphore: field('Semaphore'),
      args: /Arguments: ?(.*)/.exec(block)?.[1]?.trim() ?? '',
    });
  }
  return notes;
}
