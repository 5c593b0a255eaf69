import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { loadKernelBtf } from '@bpfkit/btf';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { expectVarsPairRuns, linkFixtures } from './fixtures.test-helpers.js';

const skip = kernelSkipReason('bpftool');
const packet = new Uint8Array(74); // an Ethernet frame's worth of zeros

/** A map's contents as bpftool prints them (its BTF-formatted key and value). */
function dumpMap(id: number): { key: unknown; value: unknown }[] {
  const entries = JSON.parse(
    execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' }),
  );
  return entries.map((entry: { formatted?: { key: unknown; value: unknown } }) => entry.formatted);
}

describe.skipIf(skip)(`linked objects in the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('funcs_a + funcs_b: calls cross objects, the weak definition that won runs, maps and variables are shared', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(linkFixtures(['funcs_a', 'funcs_b'])));
    try {
      // prog_a: 100 * factor_a + set_out_b(1000) + set_weak(42) + twice_b(bias) + bias (see funcs_a.bpf.c)
      expect(loaded.program('prog_a').testRun({ data: packet }).retval).toBe(300 + 10002 + 43 + 10 + 5);
      // prog_b: 100 * factor_b + set_out_a(7) + set_weak(42), with funcs_a's set_weak
      expect(loaded.program('prog_b').testRun({ data: packet }).retval).toBe(400 + 8 + 43);
      expect(loaded.readVariable('out_b')).toBe(1000 + 2 * 1000); // funcs_b's own subprog doubles
      expect(loaded.readVariable('out_a')).toBe(7 + 7); // funcs_a's subprog keeps x
      expect(loaded.readVariable('weak_out_a')).toBe(42);
      expect(loaded.readVariable('weak_out_b')).toBe(0); // funcs_b's set_weak was overridden
      expect(loaded.readVariable('calls')).toBe(2n); // one variable for both __weak definitions
      expect(loaded.readVariable('runs_b')).toBe(1);
      const kernel = loadKernelBtf();
      expect(loaded.readVariable('skb_size_b')).toBe(
        kernel.resolveSize(kernel.findOne('__sk_buff', 'STRUCT')),
      );
      // seen from outside: each program counted once in the one `hits` map both objects name
      const hits = dumpMap(loaded.map('hits').info().id);
      expect(hits.slice(0, 2)).toEqual([
        { key: 0, value: 1 },
        { key: 1, value: 1 },
      ]);
      const seen = dumpMap(loaded.map('seen').info().id).sort((x, y) => Number(x.key) - Number(y.key));
      expect(seen).toEqual([
        { key: 0, value: 60 },
        { key: 1, value: 60 },
      ]);
    } finally {
      loaded.close();
    }
  });

  it('funcs_b + funcs_a: link order picks the weak winner, and an extern map before its definition is one map', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(linkFixtures(['funcs_b', 'funcs_a'])));
    try {
      // funcs_b's set_weak (x + 2) now comes first and wins
      expect(loaded.program('prog_a').testRun({ data: packet }).retval).toBe(300 + 10002 + 44 + 10 + 5);
      expect(loaded.program('prog_b').testRun({ data: packet }).retval).toBe(400 + 8 + 44);
      expect(loaded.readVariable('weak_out_b')).toBe(42);
      expect(loaded.readVariable('weak_out_a')).toBe(0);
      // funcs_b declares `hits` extern before funcs_a defines it: both programs count in one map
      expect(dumpMap(loaded.map('hits').info().id).slice(0, 2)).toEqual([
        { key: 0, value: 1 },
        { key: 1, value: 1 },
      ]);
    } finally {
      loaded.close();
    }
  });

  it("vars_a + vars_b: each program reads the other object's variables and the strong definitions", async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(linkFixtures(['vars_a', 'vars_b'])));
    try {
      expectVarsPairRuns(loaded);
      // LINUX_KERNEL_VERSION + CONFIG_BPF_SYSCALL (y: 1), resolved once for both objects' externs;
      // vars_a adds &bpf_link_fops, a weak typeless ksym: its kallsyms address, or 0 where absent
      const sink = loaded.readVariable('output_sink_b') as bigint;
      const [major, minor] = release().split('.').map(Number);
      expect(Number(sink - 1n) >> 8).toBe((major! << 8) | minor!);
      const fops = /^([0-9a-f]+) \S+ bpf_link_fops$/m.exec(readFileSync('/proc/kallsyms', 'utf8'));
      const address = fops ? BigInt(`0x${fops[1]}`) : 0n;
      expect(BigInt.asUintN(64, (loaded.readVariable('output_sink_a') as bigint) - sink)).toBe(address);
    } finally {
      loaded.close();
    }
  });

  it('four objects linked at once behave as the two pairs', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(linkFixtures(['funcs_a', 'vars_a', 'funcs_b', 'vars_b'])));
    try {
      const run = (name: string) => loaded.program(name).testRun({ data: packet }).retval;
      expect([run('prog_a'), run('prog_b'), run('prog_vars_a'), run('prog_vars_b')]).toEqual([
        10360, 451, 233, 23,
      ]);
    } finally {
      loaded.close();
    }
  });
});
