// CO-RE relocation of a CO-RE-heavy object (lib/core-heavy.js: 549 relocations over 41 root types
// on 6.18, generated and compiled at bench time) against the running kernel's BTF, per object:
// bpfkit's linkProgram + relocateCore over every program, with a fresh candidate cache per object,
// against libbpf's bpf_object__relocate inside bpf_object__load (harness/core_ops.c). Neither side
// counts parsing vmlinux. bpfkit's candidate index over vmlinux (buildTargetIndex) is built once
// per kernel BTF and process, so it is built before timing here; core-relocate-first counts it.
import { loadKernelBtf } from '@bpfkit/btf';
import { buildTargetIndex } from '@bpfkit/relocator';
import { bpfBuildUnavailable } from '../lib/bpf-objects.js';
import { coreHeavyObject } from '../lib/core-heavy.js';
import { openForRelocation, relocateAllPrograms } from '../lib/core-relocation.js';
import { runHarness } from '../lib/harness.js';

const WARMUP = 5;

export default {
  name: 'core-relocate',
  unit: 'ms',
  iterations: 10,
  repetitions: 3,
  unavailable: bpfBuildUnavailable,
  bpfkit({ iterations, repetitions }) {
    const object = openForRelocation(coreHeavyObject());
    const kernel = loadKernelBtf();
    buildTargetIndex(kernel);
    const relocateMany = (times) => {
      const start = performance.now();
      for (let i = 0; i < times; i++) relocateAllPrograms(object, kernel);
      return (performance.now() - start) / times;
    };
    relocateMany(WARMUP); // let the JIT compile the relocator
    return Array.from({ length: repetitions }, () => relocateMany(iterations));
  },
  libbpf({ iterations, repetitions }) {
    return runHarness('core_ops', ['core-relocate', iterations, repetitions, coreHeavyObject()]).samples;
  },
};
