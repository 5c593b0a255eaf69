import { execFileSync } from 'node:child_process';
import { MapType, ProgramType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { kernelSkipReason } from '../testing/kernel-gate.js';
import { LinuxBackend } from './linux-backend.js';

// The backend's program- and map-type probes against bpftool's (libbpf's libbpf_probe_bpf_*) on
// the running kernel: the same answers on every kernel the lane runs, except where the two probes
// deliberately ask different questions (below).
const skip = kernelSkipReason('bpftool');

interface BpftoolFeatures {
  program_types: Record<string, boolean>;
  map_types: Record<string, boolean>;
}

/** `have_<name>_prog_type` -> { name: supported }, for the names bpfkit's enum knows. */
function bpftoolAnswers(section: Record<string, boolean>, suffix: RegExp, known: Record<string, number>) {
  const answers = new Map<number, { name: string; supported: boolean }>();
  for (const [key, supported] of Object.entries(section)) {
    const name = key.replace(/^have_/, '').replace(suffix, '');
    const value = known[name.toUpperCase()];
    if (value === undefined) throw new Error(`bpftool reports ${key}, unknown to bpfkit's enum`);
    answers.set(value, { name, supported });
  }
  return answers;
}

describe.skipIf(skip)(
  `feature probes agree with bpftool feature probe${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const features = skip
      ? undefined!
      : (JSON.parse(
          execFileSync('bpftool', ['feature', 'probe', 'kernel', '--json'], { encoding: 'utf8' }),
        ) as BpftoolFeatures);
    const backend = skip ? undefined! : new LinuxBackend();

    it('program types: every type bpftool probes gets the same answer', () => {
      const answers = bpftoolAnswers(features.program_types, /_prog_type$/, ProgramType);
      expect(answers.size).toBeGreaterThan(25);
      const disagreements: string[] = [];
      for (const [type, { name, supported }] of answers) {
        const ours = backend.probeProgramType(type);
        if (ours === supported) continue;
        // libbpf probes tracing as fentry, which needs BPF trampolines; bpfkit probes it as tp_btf,
        // which does not (trampolines are a feature of their own): bpfkit may say yes where bpftool says no.
        if (type === ProgramType.TRACING && ours && !supported) continue;
        disagreements.push(`${name}: bpfkit ${ours}, bpftool ${supported}`);
      }
      expect(disagreements).toEqual([]);
    });

    it('map types: every type bpftool probes gets the same answer', () => {
      const answers = bpftoolAnswers(features.map_types, /_map_type$/, MapType);
      expect(answers.size).toBeGreaterThan(25);
      const disagreements = [...answers]
        .filter(([type, { supported }]) => backend.probeMapType(type) !== supported)
        .map(
          ([type, { name, supported }]) =>
            `${name}: bpfkit ${backend.probeMapType(type)}, bpftool ${supported}`,
        );
      expect(disagreements).toEqual([]);
    });
  },
);
