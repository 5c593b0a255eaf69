import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypeModules } from './gen-types.test-helpers.js';

// No kernel here: what gen types writes must compile (the kernel file loads the same modules).
describe('bpfkit gen types, compiled', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await generateTypeModules();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes modules that tsc compiles under the repo strict settings, with the types BTF gives', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error);
    }
    expect(output).toBe('');
  }, 120_000);
});
