// The first CO-RE relocation in a new process: core-relocate's object and work, once per process.
// bpfkit: a new node process per sample (lib/core-relocate-first-process.js: imports, the open and
// the kernel BTF parse untimed; the candidate index and the relocator's first, unoptimized runs
// timed). libbpf: the same measurement as core-relocate, one load per sample. C has no JIT to warm
// and libbpf keeps nothing between objects, so its first relocation costs what any other does; the
// harness's first load itself cannot be timed, since libbpf probes kernel features with bpf() calls
// right before that load's first BPF_PROG_LOAD, which is where the harness's window closes.
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { coreHeavyObject } from '../lib/core-heavy.js';
import { inFreshProcesses } from '../lib/fresh-process.js';
import { runHarness } from '../lib/harness.js';

export default {
  name: 'core-relocate-cold',
  unit: 'ms',
  repetitions: 5,
  unavailable: bpfBuildUnavailable,
  bpfkit({ repetitions }) {
    return inFreshProcesses('core-relocate-first-process.js', [coreHeavyObject()], repetitions).map(
      (r) => r.ms,
    );
  },
  libbpf({ repetitions }) {
    return runHarness('core_ops', ['core-relocate', 1, repetitions, coreHeavyObject()]).samples;
  },
};
