import { isBpfkitError, type VerifierError } from '@bpfkit/core/errors';

/** How many trailing verifier-log lines the short form shows (the failing instruction is last). */
const LOG_TAIL_LINES = 20;

/**
 * One line that says what failed and where, then the hint; for verifier errors, the end of the
 * log (all of it with --verbose). An exception bpfkit did not raise is a bug: it says so and asks
 * for a report, with the stack only under --verbose.
 */
export function describeError(error: unknown, verbose: boolean): string {
  if (!isBpfkitError(error)) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const lines = [`bpfkit: internal error: ${text}`];
    lines.push(
      verbose && error instanceof Error && error.stack
        ? error.stack
        : '  run again with --verbose for the stack trace',
    );
    lines.push('  this is a bug in bpfkit: please report it with the command line and that stack trace');
    return lines.join('\n');
  }
  const lines = [`bpfkit: ${error.describe()}`];
  if (error.name === 'VerifierError') {
    const log = (error as VerifierError).log.trimEnd().split('\n');
    const shown = verbose ? log : log.slice(-LOG_TAIL_LINES);
    lines.push(
      verbose
        ? 'verifier log:'
        : `verifier log (last ${shown.length} of ${log.length} lines; --verbose for all):`,
    );
    lines.push(...shown.map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
