import { readFileSync } from 'node:fs';
import { PinConflictError } from '@bpfkit/core';
import { Errno, SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';

const object = readFileSync(new URL('fixtures/shared_pin.bpfel.o', import.meta.url));
const names = ['count_first', 'count_second', 'count_third'];

async function loadedInSimulation() {
  const kernel = new SimulatedKernel({ possibleCpus: 2 });
  const loader = createLoader({ backend: kernel });
  const loaded = await loader.load(loader.open(object, { name: 'shared_pin' }), { pinRoot: '/bpf/maps' });
  return { kernel, loaded };
}

describe('pinPrograms', () => {
  it('stages the pins beside the directory and renames the set into place at once', async () => {
    const { kernel, loaded } = await loadedInSimulation();
    const renames: [string, string][] = [];
    const rename = kernel.renamePin.bind(kernel);
    kernel.renamePin = (from, to) => {
      renames.push([from, to]);
      rename(from, to);
    };
    expect(loaded.pinPrograms('/bpf/progs')).toEqual(names.map((n) => `/bpf/progs/${n}`));
    expect(renames).toEqual([['/bpf/progs_staging', '/bpf/progs']]);
    expect(kernel.pinnedPaths()).toEqual(['/bpf/maps/shared_counts', ...names.map((n) => `/bpf/progs/${n}`)]);
    loaded.close();
  });

  it("refuses an earlier run's pins unless asked to replace them, then swaps them", async () => {
    const { kernel, loaded } = await loadedInSimulation();
    loaded.pinPrograms('/bpf/progs');
    const before = kernel.pinnedPaths();
    expect(() => loaded.pinPrograms('/bpf/progs')).toThrow(PinConflictError);
    expect(kernel.pinnedPaths()).toEqual(before);
    loaded.pinPrograms('/bpf/progs', { replace: true });
    expect(kernel.pinnedPaths()).toEqual(before);
    loaded.close();
    expect(kernel.openFds()).toEqual([]);
  });

  it('clears a staging directory a killed run left, and undoes its own pins when a step fails', async () => {
    const { kernel, loaded } = await loadedInSimulation();
    // what a process killed after its second staged pin leaves
    kernel.pin(loaded.program('count_first').fd, '/bpf/progs_staging/count_first');
    kernel.pin(loaded.program('count_second').fd, '/bpf/progs_staging/count_second');
    kernel.failNext('renamePin', { errno: Errno.EXDEV });
    expect(() => loaded.pinPrograms('/bpf/progs')).toThrow(/rename/);
    expect(kernel.pinnedPaths()).toEqual(['/bpf/maps/shared_counts']);
    loaded.pinPrograms('/bpf/progs');
    expect(kernel.pinnedPaths()).toHaveLength(4);
    loaded.close();
  });
});
