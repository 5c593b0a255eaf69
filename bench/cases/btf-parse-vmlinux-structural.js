// btf-parse-vmlinux with the checks libbpf 1.1's btf__parse makes: kinds and record bounds only.
// (libbpf 1.1 has no btf_sanity_check pass; parseBtf's default also checks every name offset and
// referenced type id.) The same libbpf numbers as btf-parse-vmlinux.
import { parseBtf, readBtfFile } from '@bpfkit/btf';
import { runHarness } from '../lib/harness.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const WARMUP = 5;

export default {
  name: 'btf-parse-vmlinux-structural',
  unit: 'ms',
  repetitions: 15,
  bpfkit({ repetitions }) {
    const parseOnce = () => {
      const start = performance.now();
      parseBtf(readBtfFile(VMLINUX), { validate: false });
      return performance.now() - start;
    };
    for (let i = 0; i < WARMUP; i++) parseOnce();
    return Array.from({ length: repetitions }, parseOnce);
  },
  libbpf({ repetitions }) {
    return runHarness('object_ops', ['btf-parse', VMLINUX, repetitions]).samples;
  },
};
