// The first parse of the kernel's BTF in a fresh process: what a short-lived tool pays. bpfkit:
// a new node process per sample (module import untimed); libbpf: the harness's first btf__parse.
import { firstParseInFreshProcesses } from '../lib/fresh-process.js';
import { runHarness } from '../lib/harness.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

export default {
  name: 'btf-parse-vmlinux-cold',
  unit: 'ms',
  repetitions: 5,
  bpfkit({ repetitions }) {
    return firstParseInFreshProcesses(VMLINUX, repetitions).map((r) => r.ms);
  },
  libbpf({ repetitions }) {
    return Array.from(
      { length: repetitions },
      () => runHarness('object_ops', ['btf-parse', VMLINUX, 0]).first,
    );
  },
};
