import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { createLoader, type LoadedObject } from '@bpfkit/loader';
import { afterAll, describe, expect, it } from 'vitest';
import { expectVarsPairRuns, fixturePath, generatedSpec, openFixture } from './fixtures.test-helpers.js';
import { linkSpecs } from './link-specs.js';

// Specs linked before load, in the kernel: a clang object with generated code, and a clang pair
// against libbpf's linker (`bpftool gen object`).
const skip = kernelSkipReason('bpftool');
const packet = new Uint8Array(74); // an Ethernet frame's worth of zeros
const SLOW = 120_000;

const bpftool = (...args: string[]) => execFileSync('bpftool', args, { encoding: 'utf8' });

/** What the kernel holds for a program: xlated code with map ids as map names, and its tag. */
function kernelView(loaded: LoadedObject, program: string): { xlated: string; tag: string } {
  const info = loaded.program(program).info();
  const names = new Map<string, string>();
  for (const id of info.mapIds)
    names.set(String(id), JSON.parse(bpftool('-j', 'map', 'show', 'id', String(id))).name);
  const xlated = bpftool('prog', 'dump', 'xlated', 'id', String(info.id))
    .replace(/map\[id:(\d+)\]/g, (_, id: string) => `map[${names.get(id)}]`)
    // subprogram and map-value addresses differ between loads
    .replace(/0x[0-9a-f]{12,16}/g, '<address>');
  return { xlated, tag: info.tag };
}

describe.skipIf(skip)(`linked specs in the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'bpfkit-link-specs-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("a clang object's extern function and variable bind to generated code, which runs", async () => {
    const warnings: string[] = [];
    const operation = createLoader().load(linkSpecs([openFixture('plugin_host'), generatedSpec()]));
    operation.events.subscribe((event) => {
      if (event.type === 'warning') warnings.push(event.message);
    });
    const loaded = await operation;
    try {
      // scale(input, factor) = 7 * 6 + 3: the generated function's arithmetic on both objects' data
      expect(loaded.program('host').testRun({ data: packet }).retval).toBe(45);
      expect(loaded.readVariable('calls')).toBe(1);
      // one .data in the kernel: the host's `input` at 0, the generated piece (factor, bonus) at 8
      const value = loaded.map('.data').lookup(new Uint8Array(4))!;
      expect([...new Uint32Array(value.slice().buffer)]).toEqual([7, 0, 6, 3]);
      // the kernel took the merged BTF: the generated subprogram is described by the extern's prototype
      expect(warnings).toEqual([]);
      const { xlated } = kernelView(loaded, 'host');
      expect(xlated).toContain('int host(struct __sk_buff * skb):');
      expect(xlated).toContain('int scale(int arg1, int arg2):');
      expect(xlated).toMatch(/call pc\+1#\S*scale/);
    } finally {
      loaded.close();
    }
  });

  it('a weak function loses to the strong one of another spec, with its maps and variables left unused', async () => {
    const loader = createLoader();
    const open = (name: string) =>
      loader.open(new URL(`../../../fixtures/${name}.bpfel.o`, import.meta.url).pathname);
    const linked = linkSpecs([open('weak_override'), open('weak_override_strong')]);
    expect(linked.functions.map((f) => f.name)).toEqual(['pick']);
    const loaded = await loader.load(linked);
    try {
      // a socket filter sees the 64-byte frame without its 14-byte Ethernet header: 50, + 2
      expect(loaded.program('weak_override').testRun({ data: new Uint8Array(64) }).retval).toBe(52);
      expect(loaded.readVariable('strong_calls')).toBe(1n);
      expect(loaded.readVariable('weak_calls')).toBe(0n);
    } finally {
      loaded.close();
    }
  });

  it(
    'vars_a + vars_b linked over specs reach the kernel as libbpf linked them',
    async () => {
      const loader = createLoader();
      const fromSpecs = await loader.load(linkSpecs([openFixture('vars_a'), openFixture('vars_b')]));
      const theirs = join(work, 'vars.bpftool.o');
      bpftool('gen', 'object', theirs, fixturePath('vars_a'), fixturePath('vars_b'));
      const fromLibbpf = await loader.load(
        loader.open(new Uint8Array(readFileSync(theirs)), { name: 'vars_a' }),
      );
      try {
        for (const program of ['prog_vars_a', 'prog_vars_b']) {
          expect(kernelView(fromSpecs, program)).toEqual(kernelView(fromLibbpf, program));
        }
        expectVarsPairRuns(fromSpecs);
      } finally {
        fromSpecs.close();
        fromLibbpf.close();
      }
    },
    SLOW,
  );
});
