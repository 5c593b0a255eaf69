import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { createTcLoader } from './tc-loader.js';

const fixture = fileURLToPath(
  new URL('../../../packages/maps-iproute2/src/fixtures/iproute2_tc.bpfel.o', import.meta.url),
);

/** tc-style words of a command line (paths, which may hold spaces, are passed apart). */
const words = (line: string) => line.split(' ');

async function run(...argv: string[]) {
  return runOn(new SimulatedKernel(), ...argv);
}

async function runOn(kernel: SimulatedKernel, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  const code = await main(argv, io, createTcLoader(kernel));
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('bpfkit-tc', () => {
  it('prints the usage with --help (exit 0) and without arguments (exit 2)', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: bpfkit-tc filter add dev IFACE \(ingress\|egress\) bpf obj FILE/);
    expect((await run()).code).toBe(2);
  });

  it('names the sections it could attach when the one asked for has no program', async () => {
    const { code, stderr } = await run(
      ...words('filter add dev lo ingress bpf obj'),
      fixture,
      ...words('sec ingress pin-root /nonexistent'),
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      [
        'bpfkit-tc: iproute2_tc, section ingress: no program in section ingress',
        '  hint: sections with programs: 1/0, 1/1, classifier',
      ].join('\n'),
    );
  });

  it('refuses a device that does not exist before loading anything', async () => {
    const { code, stderr } = await run('filter', 'add', 'dev', 'nosuchdev0', 'egress', 'bpf', 'obj', fixture);
    expect(code).toBe(2);
    expect(stderr).toContain('no network interface named nosuchdev0 in this network namespace');
  });

  it('says what is wrong with the words', async () => {
    const { code, stderr } = await run(...words('filter add dev lo ingress bpf obj'), fixture, 'prio', '1');
    expect(code).toBe(2);
    expect(stderr).toContain('bpfkit-tc: unexpected argument prio');
  });

  it('attaches through netlink when asked (a dry run on the simulated kernel): pref 1, bpf da, the program pinned; del removes both', async () => {
    const kernel = new SimulatedKernel();
    const pinRoot = mkdtempSync(join(tmpdir(), 'bpfkit-tc-sim-'));
    try {
      const add = ['filter', 'add', 'dev', 'lo', 'ingress', 'bpf', 'da', 'obj', fixture, 'pin-root', pinRoot];
      const added = await runOn(kernel, ...add, '--tc-mode', 'netlink');
      expect(added.stderr).toBe('');
      const pin = join(pinRoot, 'tc/links/lo-ingress-cls_bpf');
      const [first, second] = added.stdout.split('\n');
      const id = Number(/, id (\d+)\)/.exec(first!)?.[1]);
      expect(first).toBe(
        `attached cls_entry (section classifier, id ${id}) as a cls_bpf filter at ingress of lo: pref 1 handle 0x1 bpf da name iproute2_tc.bpfel.o:[classifier]`,
      );
      expect(second).toBe(`program pinned at ${pin}`);
      expect(kernel.tcFilters({ ifindex: 1, direction: 'ingress' })).toMatchObject([
        { priority: 1, handle: 1, bpf: { programId: id, directAction: true } },
      ]);
      expect(kernel.pinnedPaths()).toContain(pin);
      expect(kernel.attachedLinks()).toEqual([]);
      // one classifier per hook, whichever the mode
      expect((await runOn(kernel, ...add)).stderr).toContain(
        'a bpfkit-tc filter is already attached at ingress of lo',
      );

      const deleted = await runOn(kernel, 'filter', 'del', 'dev', 'lo', 'ingress', 'pin-root', pinRoot);
      expect(deleted).toMatchObject({
        code: 0,
        stdout: `deleted filter pref 1 handle 0x1 and unpinned ${pin}`,
      });
      expect(kernel.tcFilters({ ifindex: 1, direction: 'ingress' })).toEqual([]);
      expect(kernel.pinnedPaths()).not.toContain(pin);
    } finally {
      rmSync(pinRoot, { recursive: true, force: true });
    }
  });

  it('refuses a --tc-mode it does not know', async () => {
    const { code, stderr } = await run(...words('filter add dev lo ingress bpf obj x.o --tc-mode tc'));
    expect(code).toBe(2);
    expect(stderr).toContain('--tc-mode needs tcx or netlink, not tc');
  });
});
