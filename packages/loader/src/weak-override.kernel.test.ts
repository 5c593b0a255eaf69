import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

// weak_override.bpfel.o linked with weak_override_strong.bpfel.o by bpftool gen object: the strong
// pick() overrides the weak one, whose body (with relocations to weak_hits and weak_calls) stays
// in .text without a symbol.
const linked = new URL('../../../fixtures/weak_override.linked-el.o', import.meta.url).pathname;
const skip = kernelSkipReason();

describe('an object where static linking overrode a weak function', () => {
  it('opens: relocations of the dropped weak body are skipped, as libbpf does', () => {
    const spec = createLoader().open(linked);
    expect(spec.functions.map((f) => f.name)).toEqual(['pick']);
    const references = [...spec.functions[0]!.instructions.references.values()];
    expect(references).toEqual([{ kind: 'map-value', map: '.bss', offset: 8 }]);
    expect(spec.programs.map((p) => p.name)).toEqual(['weak_override']);
  });

  it.skipIf(skip)(
    `loads, and the program calls the strong pick()${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const loader = createLoader();
      const loaded = await loader.load(loader.open(linked));
      try {
        // A socket filter sees the 64-byte frame without its 14-byte Ethernet header: 50, + 2.
        const run = loaded.program('weak_override').testRun({ data: new Uint8Array(64) });
        expect(run.retval).toBe(52);
        expect(loaded.readVariable('strong_calls')).toBe(1n);
        expect(loaded.readVariable('weak_calls')).toBe(0n);
      } finally {
        loaded.close();
      }
    },
  );
});
