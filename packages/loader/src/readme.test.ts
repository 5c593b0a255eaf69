import { readFileSync } from 'node:fs';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader, getVariable, setVariable } from './index.js';

const skip = kernelSkipReason();
const fixture = new URL('../../../fixtures/global_vars.bpfel.o', import.meta.url).pathname;

describe.skipIf(skip)(`the README example${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('runs as written and prints what it says', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain("setVariable(spec, 'verdict', 1234);");
    const loader = createLoader();
    const spec = loader.open(fixture);
    setVariable(spec, 'verdict', 1234);
    expect(getVariable(spec, 'verdict')).toBe(1234);
    const loaded = await loader.load(spec);
    const run = loaded.program('steered_filter').testRun({ data: new Uint8Array(64), repeat: 3 });
    expect([run.retval, loaded.readVariable('packets')]).toEqual([1234, 3n]);
    loaded.close();
  });
});
