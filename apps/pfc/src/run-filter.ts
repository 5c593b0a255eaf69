import type { LiveProgram } from '@bpfkit/loader';
import type { FilterTarget } from './compile-filter.js';

export type Verdict = 'pass' | 'drop';

export interface FilterRun {
  verdict: Verdict;
  /** the program's return value: XDP_PASS (2) / XDP_DROP (1), or the bytes a socket filter keeps */
  retval: number;
}

const XDP_PASS = 2;

/**
 * Runs a loaded filter once on an Ethernet frame with BPF_PROG_TEST_RUN. For a socket filter the
 * kernel strips the Ethernet header into skb->protocol and sets the network header, as on receive.
 */
export function runFilter(program: LiveProgram, target: FilterTarget, frame: Uint8Array): FilterRun {
  const { retval } = program.testRun({ data: frame });
  const passed = target === 'xdp' ? retval === XDP_PASS : retval !== 0;
  return { verdict: passed ? 'pass' : 'drop', retval };
}
