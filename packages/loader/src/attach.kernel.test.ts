import { spawnSync } from 'node:child_process';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = new URL('../../../fixtures/exec_counter.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();

describe.skipIf(skip)(`attaching every program its section names${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('tracepoint, raw_tp and tp_btf programs see the execs a test makes, until detached', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(fixture));
    try {
      const links = loaded.attachAll();
      expect(links.map((l) => l.kind).sort()).toEqual(['raw_tracepoint', 'tracepoint', 'tracing']);
      for (let i = 0; i < 5; i++) spawnSync('/bin/true');
      for (const counter of ['tracepoint_hits', 'raw_tp_hits', 'tp_btf_hits']) {
        expect(loaded.readVariable(counter), counter).toBeGreaterThanOrEqual(5n);
      }
      for (const link of links) link.close();
      const after = loaded.readVariable('tracepoint_hits');
      for (let i = 0; i < 3; i++) spawnSync('/bin/true');
      expect(loaded.readVariable('tracepoint_hits')).toBe(after);
    } finally {
      loaded.close();
    }
  });
});
