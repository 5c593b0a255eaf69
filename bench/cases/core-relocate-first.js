// The first CO-RE relocation against a kernel BTF in a process: core-relocate's object and work,
// with bpfkit's one-time costs counted: the candidate index over vmlinux (buildTargetIndex, built
// on first use per Btf) and the first decoding of the types it touches. Each sample relocates
// against a freshly parsed vmlinux (the parse itself untimed, as on the libbpf side); the JIT is
// warm. libbpf keeps nothing between objects, so its side is the same measurement as
// core-relocate: it scans vmlinux for candidates per object.
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { coreHeavyObject } from '../lib/core-heavy.js';
import { freshKernelBtf, openForRelocation, relocateAllPrograms } from '../lib/core-relocation.js';
import { runHarness } from '../lib/harness.js';

const WARMUP = 3;

export default {
  name: 'core-relocate-first',
  unit: 'ms',
  iterations: 5,
  repetitions: 5,
  unavailable: bpfBuildUnavailable,
  bpfkit({ repetitions }) {
    const object = openForRelocation(coreHeavyObject());
    const firstRelocation = () => {
      const kernel = freshKernelBtf();
      const start = performance.now();
      relocateAllPrograms(object, kernel);
      return performance.now() - start;
    };
    for (let i = 0; i < WARMUP; i++) firstRelocation();
    return Array.from({ length: repetitions }, firstRelocation); // one first relocation per sample
  },
  libbpf({ iterations, repetitions }) {
    return runHarness('core_ops', ['core-relocate', iterations, repetitions, coreHeavyObject()]).samples;
  },
};
