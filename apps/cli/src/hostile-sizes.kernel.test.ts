import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { withHugeBss } from '@bpfkit/loader/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const fixturePath = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const skip = kernelSkipReason();

async function run(...argv: string[]) {
  const err: string[] = [];
  const code = await main(argv, { out: () => {}, err: (t) => err.push(t) });
  return { code, stderr: err.join('\n') };
}

describe('bpfkit load of an object with a corrupt .bss size (2^51+16 bytes)', () => {
  let dir: string;
  let corrupt: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfkit-hostile-'));
    corrupt = join(dir, 'global_vars_huge_bss.o');
    writeFileSync(corrupt, withHugeBss(readFileSync(fixturePath('global_vars.bpfel.o'))));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused as bad input (exit 2) in a dry run', async () => {
    const { code, stderr } = await run('load', corrupt, '--dry-run');
    expect(stderr).toMatch(/map \.bss.*value_size 2251799813685264 does not fit the kernel's u32 field/);
    expect(code).toBe(2);
  });

  it.skipIf(skip)(
    `is refused as bad input (exit 2) by the real kernel path${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const { code, stderr } = await run('load', corrupt);
      expect(stderr).toMatch(/map \.bss.*value_size 2251799813685264 does not fit the kernel's u32 field/);
      expect(code).toBe(2);
    },
  );
});

describe('bpfkit load --dry-run of a legacy array map with 134M entries', () => {
  it('creates it at once, as the kernel would (the simulated kernel allocates slots lazily)', async () => {
    const started = performance.now();
    const { code } = await run(
      'load',
      fixturePath('legacy_len_histogram.bpfel.o'),
      '--dry-run',
      '--set-max-entries',
      'len_buckets=134217728',
    );
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
