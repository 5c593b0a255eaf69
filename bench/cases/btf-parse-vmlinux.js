// A fresh parse of the kernel's BTF, file read included: parseBtf(readBtfFile(...)), bpfkit's read (a mapping of the sysfs file where the kernel allows it, as libbpf 1.6 does), against
// libbpf's btf__parse + btf__free. Not loadKernelBtf, which caches per process.
import { parseBtf, readBtfFile } from '@bpfkit/btf';
import { runHarness } from '../lib/harness.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const WARMUP = 5;

export default {
  name: 'btf-parse-vmlinux',
  unit: 'ms',
  repetitions: 15,
  bpfkit({ repetitions }) {
    const parseOnce = () => {
      const start = performance.now();
      parseBtf(readBtfFile(VMLINUX));
      return performance.now() - start;
    };
    for (let i = 0; i < WARMUP; i++) parseOnce(); // let the JIT compile the parser
    return Array.from({ length: repetitions }, parseOnce);
  },
  libbpf({ repetitions }) {
    // the harness's first parse is reported apart (the cold row); these are the later ones
    return runHarness('object_ops', ['btf-parse', VMLINUX, repetitions]).samples;
  },
};
