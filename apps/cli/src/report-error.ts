import { isBpfkitError, type VerifierError } from '@bpfkit/core';

/** How many trailing verifier-log lines the short form shows (the failing instruction is last). */
const LOG_TAIL_LINES = 20;

/**
 * One line that says what failed and where, then the hint; for verifier errors, the end of the
 * log (all of it with --verbose). Never a stack trace for errors bpfkit raised itself.
 */
export function describeError(error: unknown, verbose: boolean): string {
  if (!isBpfkitError(error)) {
    const text =
      error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
    return `bpfkit: ${text}`;
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
