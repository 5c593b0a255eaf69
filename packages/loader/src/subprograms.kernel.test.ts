import { streamReferences, VerifierError } from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const skip = kernelSkipReason();

describe('subprograms and callbacks', () => {
  it('records a static call, a global call and a bpf_loop callback symbolically', () => {
    const spec = createLoader().open(fixture('subprograms.bpfel.o'));
    const relocations = [...spec.programs, ...spec.functions].flatMap((f) =>
      streamReferences(f.instructions).map(
        (r) => `${f.name}: ${r.kind} ${'function' in r ? r.function : ''}`,
      ),
    );
    expect(relocations).toEqual(
      expect.arrayContaining([
        'sum_of_squares: func-pointer add_square',
        'sum_of_squares: call add_bias',
        'add_square: call square',
      ]),
    );
    expect(spec.functions.find((f) => f.name === 'add_bias')?.global).toBe(true);
  });

  it.skipIf(skip)(
    `links them and the kernel runs the result${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const loader = createLoader();
      const loaded = await loader.load(loader.open(fixture('subprograms.bpfel.o')));
      try {
        expect(loaded.program('sum_of_squares').testRun({ data: new Uint8Array(64) }).retval).toBe(285 + 7);
      } finally {
        loaded.close();
      }
    },
  );
});

describe.skipIf(skip)(
  `CO-RE relocations the kernel cannot satisfy${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('load when the code that uses them is dead (bpf_core_field_exists)', async () => {
      const loader = createLoader();
      const loaded = await loader.load(loader.open(fixture('core_missing_field.bpfel.o')));
      expect(loaded.programs.has('guarded_read')).toBe(true);
      loaded.close();
    });

    it('fail, when the verifier reaches them, with an error naming the relocation', async () => {
      const loader = createLoader();
      const spec = loader.open(fixture('core_missing_field.bpfel.o'));
      const error = await loader.load(spec, { select: (p) => p.name === 'unguarded_read' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VerifierError);
      expect((error as Error).message).toMatch(/unresolved CO-RE relocation/);
      expect((error as Error).message).toMatch(/bpfkit_no_such_field/);
    });
  },
);
