import { readFileSync } from 'node:fs';
import { ProgramDefinitionError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';

const object = readFileSync(new URL('fixtures/shared_pin.bpfel.o', import.meta.url));

// Found by the fuzz suite (seed 24301, case 184990): a corrupt string table named two programs "",
// the second LiveProgram replaced the first in the loaded object and its fd was never closed.
describe('two programs of one name', () => {
  it('are refused with ProgramDefinitionError, and nothing stays open', async () => {
    const kernel = new SimulatedKernel({ possibleCpus: 2 });
    const loader = createLoader({ backend: kernel });
    const spec = loader.open(object, { name: 'shared_pin' });
    spec.programs[2]!.name = spec.programs[1]!.name;
    await expect(loader.load(spec, { pinRoot: '/bpf' })).rejects.toThrow(ProgramDefinitionError);
    expect(kernel.openFds()).toEqual([]);
    expect(kernel.pinnedPaths()).toEqual([]);
  });
});
