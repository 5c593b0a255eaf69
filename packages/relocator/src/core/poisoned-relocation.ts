import { CORE_POISON_HELPER } from './patch-instruction.js';
import type { CoreRelocationResult } from './relocate-core.js';

/** One line for a relocation whose instruction was poisoned, naming what was missing. */
export function describePoisonedRelocation(result: CoreRelocationResult): string {
  const why = result.poisonReason ?? 'it could not be resolved';
  return (
    `instruction ${result.instruction} needs CO-RE ${result.kindName} of ${result.accessPath}, ` +
    `but ${why}; guard the access with bpf_core_field_exists()/bpf_core_type_exists() so the verifier ` +
    'can see it is dead code on this kernel'
  );
}

/**
 * The poisoned relocation a verifier log complains about. A reachable poisoned instruction makes
 * the verifier stop with "invalid func unknown#195896080" after printing the instruction, as
 * "N: (85) call unknown#195896080"; this finds the last such instruction index in the log and
 * the result for it (or the first poisoned result when the log does not say where).
 */
export function findPoisonedRelocation(
  log: string,
  results: readonly CoreRelocationResult[],
): CoreRelocationResult | undefined {
  const marker = `unknown#${CORE_POISON_HELPER}`;
  if (!log.includes(marker)) return undefined;
  const poisoned = results.filter((result) => result.poisoned);
  const callSite = new RegExp(`^(\\d+): \\(85\\) call ${marker}`, 'gm');
  let last: number | undefined;
  for (const match of log.matchAll(callSite)) last = Number(match[1]);
  if (last !== undefined) {
    const found = poisoned.find((result) => result.instruction === last);
    if (found) return found;
  }
  return poisoned[0];
}
