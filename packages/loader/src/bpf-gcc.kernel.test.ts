import { streamReferences } from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = new URL('../../../fixtures/gcc_globals.gcc.o', import.meta.url).pathname;
const skip = kernelSkipReason();

describe('objects built by bpf-gcc', () => {
  it('reads global data offsets once, though gcc writes them in the symbol and the immediate', () => {
    const spec = createLoader().open(fixture);
    const offsets = streamReferences(spec.programs[0]!.instructions)
      .filter((r) => r.kind === 'map-value')
      .map((r) => `${r.map}+${r.offset}`);
    // gcc's layout: packets .bss+8, second .data+0, first .data+4, random_seen .bss+0 — each once,
    // where adding symbol value and immediate would give .bss+16 and .data+8.
    expect(offsets).toEqual(['.bss+8', '.data+0', '.data+4', '.bss+0']);
  });

  it.skipIf(skip)(
    `loads and runs in the kernel with the right variables${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const loader = createLoader();
      const loaded = await loader.load(loader.open(fixture));
      try {
        const run = loaded.program('filter').testRun({ data: new Uint8Array(64), repeat: 3 });
        expect(run.retval).toBe(9 + 3 * 5);
        expect(loaded.readVariable('packets')).toBe(3n);
        expect(loaded.readVariable('second')).toBe(24);
        expect(loaded.readVariable('first')).toBe(5);
        expect(Number(loaded.readVariable('random_seen')) & 1).toBe(1);
      } finally {
        loaded.close();
      }
    },
  );
});
