// Resident memory a parsed kernel BTF costs while held, each measured in a fresh process: bpfkit's
// RSS growth across parseBtf (after gc) against libbpf's across btf__parse (/proc/self/statm).
import { firstParseInFreshProcesses } from '../lib/fresh-process.js';
import { runHarness } from '../lib/harness.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

export default {
  name: 'btf-vmlinux-memory',
  unit: 'MB',
  repetitions: 3,
  bpfkit({ repetitions }) {
    return firstParseInFreshProcesses(VMLINUX, repetitions).map((r) => r.residentMB);
  },
  libbpf({ repetitions }) {
    return Array.from(
      { length: repetitions },
      () => runHarness('object_ops', ['btf-memory', VMLINUX]).samples[0],
    );
  },
};
