import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseSeed, mutate, objectRegions, TARGETS } from './mutate.js';
import { fixtureCorpus, runFuzz } from './run-fuzz.js';

const CASES = 20_000;

describe('fuzzing open and dry-run load', () => {
  it('mutations are reproducible from (seed, index) and reach every target', () => {
    const elf = readFileSync(new URL('../../../../fixtures/global_vars.bpfel.o', import.meta.url));
    const regions = objectRegions(elf);
    for (const target of TARGETS) expect(regions[target], target).toBeDefined();
    const a = mutate(elf, regions, caseSeed(1, 42));
    const b = mutate(elf, regions, caseSeed(1, 42));
    expect(a.bytes).toEqual(b.bytes);
    expect(a.steps).toEqual(b.steps);
    const hit = new Set(Array.from({ length: 400 }, (_, i) => mutate(elf, regions, caseSeed(1, i)).target));
    expect([...hit].sort()).toEqual([...TARGETS].sort());
  });

  it(`${CASES} seeded mutations: every one opens and loads, or fails with a BpfkitError; none hangs`, async () => {
    // the worker runs the built packages (npm run build), under a watchdog
    const report = await runFuzz({ seed: 0x5eed, cases: CASES, corpus: fixtureCorpus() });
    expect(report.hang).toBeUndefined();
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(CASES);
    // the corpus is not all refused at the door: many mutants open, and some load
    expect(report.opened).toBeGreaterThan(CASES / 4);
    expect(report.loaded).toBeGreaterThan(0);
  }, 180_000);
});
