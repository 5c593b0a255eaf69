import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Link } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { createLoader, type LoadedObject } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const skip = kernelSkipReason('bpftool');
const repoFixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const cliFixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const bpftool = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' })) as Record<string, unknown>;

/** Every field both print has the same value; load times may straddle a second. */
function expectSameFields(ours: Record<string, unknown>, theirs: Record<string, unknown>, fields: string[]) {
  for (const field of fields) {
    expect(ours, `bpfkit lacks ${field}`).toHaveProperty(field);
    expect(theirs, `bpftool lacks ${field}`).toHaveProperty(field);
  }
  for (const [field, value] of Object.entries(ours)) {
    if (!(field in theirs)) continue;
    if (field === 'loaded_at')
      expect(Math.abs((value as number) - (theirs[field] as number))).toBeLessThanOrEqual(1);
    else expect(value, field).toEqual(theirs[field]);
  }
}

const PROGRAM_FIELDS = [
  'id',
  'type',
  'name',
  'tag',
  'gpl_compatible',
  'loaded_at',
  'uid',
  'bytes_xlated',
  'jited',
  'bytes_jited',
  'bytes_memlock',
  'map_ids',
  'btf_id',
];
const MAP_FIELDS = [
  'id',
  'type',
  'name',
  'flags',
  'bytes_key',
  'bytes_value',
  'max_entries',
  'bytes_memlock',
  'frozen',
];

describe.skipIf(skip)(
  `prog show, map show and link list against bpftool${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let xdp: LoadedObject;
    let events: LoadedObject;
    let link: Link;
    beforeAll(async () => {
      const loader = createLoader();
      xdp = await loader.load(loader.open(repoFixture('legacy_xdp.bpfel.o')));
      events = await loader.load(loader.open(cliFixture('exec_events.bpfel.o')));
      link = events.program('on_exec').attach();
    });
    afterAll(() => {
      link?.close();
      xdp?.close();
      events?.close();
    });

    it('prog show --json prints what bpftool prog show --json prints, the full name from BTF included', async () => {
      for (const program of [xdp.program('drop_blocked_udp'), events.program('on_exec')]) {
        const id = program.info().id;
        const { code, stdout } = await run('prog', 'show', String(id), '--json');
        expect(code).toBe(0);
        const ours = JSON.parse(stdout);
        const theirs = bpftool('prog', 'show', 'id', String(id));
        expectSameFields(ours, theirs, PROGRAM_FIELDS);
      }
      // the kernel keeps 15 characters; BTF func info has the rest, as bpftool shows
      const id = xdp.program('drop_blocked_udp').info().id;
      expect(xdp.program('drop_blocked_udp').info().name).toBe('drop_blocked_ud');
      expect(JSON.parse((await run('prog', 'show', String(id), '--json')).stdout).name).toBe(
        'drop_blocked_udp',
      );
      const byName = JSON.parse((await run('prog', 'show', 'name', 'drop_blocked_udp', '--json')).stdout);
      expect(byName.map((p: { id: number }) => p.id)).toContain(id);
      expect((await run('prog', 'show', String(id))).stdout).toMatch(
        new RegExp(`^${id}\\s+xdp\\s+drop_blocked_udp\\s`, 'm'),
      );
      expect((await run('prog', 'list', '--json')).stdout).toContain('"name":"drop_blocked_udp"');
    });

    it('map show --json prints what bpftool map show --json prints, for every map of a program', async () => {
      const ids = events.program('on_exec').info().mapIds;
      expect(ids.length).toBeGreaterThan(3);
      for (const id of ids) {
        const { code, stdout } = await run('map', 'show', String(id), '--json');
        expect(code).toBe(0);
        expectSameFields(JSON.parse(stdout), bpftool('map', 'show', 'id', String(id)), MAP_FIELDS);
      }
      const listed = JSON.parse((await run('map', 'list', '--json')).stdout) as {
        id: number;
        name: string;
      }[];
      expect(listed.filter((m) => ids.includes(m.id))).toHaveLength(ids.length);
      const byName = JSON.parse((await run('map', 'show', 'execs_by_pid', '--json')).stdout);
      expect(byName.map((m: { id: number }) => m.id)).toContain(events.map('execs_by_pid').info().id);
      const missing = await run('map', 'show', '4000000000');
      expect(missing.code).not.toBe(0);
    });

    it('link list shows the links bpftool link list shows, with their ids, types and programs', async () => {
      const ours = JSON.parse((await run('link', 'list', '--json')).stdout) as {
        id: number;
        prog_id: number;
      }[];
      const theirs = bpftool('link', 'list') as unknown as { id: number }[];
      const programId = events.program('on_exec').info().id;
      const mine = ours.find((l) => l.prog_id === programId);
      expect(mine).toBeDefined();
      const both = theirs.filter((l) => ours.some((o) => o.id === l.id));
      expect(both.map((l) => l.id)).toContain(mine!.id);
      for (const l of both) {
        const o = ours.find((x) => x.id === l.id)! as unknown as Record<string, unknown>;
        for (const field of ['id', 'type', 'prog_id'])
          expect(o[field], field).toEqual((l as Record<string, unknown>)[field]);
      }
    });

    it('a --pin-dir that is not on a bpffs fails and leaves no directory behind', async () => {
      const parent = mkdtempSync(join(tmpdir(), 'bpfkit-pindir-'));
      try {
        const { code, stderr } = await run(
          'load',
          repoFixture('legacy_xdp.bpfel.o'),
          '--pin-dir',
          join(parent, 'a/b'),
        );
        expect(code).toBe(1);
        expect(stderr).toMatch(/pin/);
        expect(existsSync(join(parent, 'a'))).toBe(false);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    });
  },
);

describe.skipIf(skip)(`bpfkit run's exit summary of .kconfig${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('shows LINUX_KERNEL_VERSION as the running kernel and as the program read it', async () => {
    const stop = new AbortController();
    const out: string[] = [];
    const code = main(
      ['run', cliFixture('kconfig_version.bpfel.o'), '--json'],
      { out: (t) => out.push(t), err: () => {} },
      { stop: stop.signal },
    );
    setTimeout(() => stop.abort(), 300);
    expect(await code).toBe(0);
    const { variables } = JSON.parse(out.at(-1)!).summary;
    // KERNEL_VERSION(a, b, c) of `uname -r`, the patch level capped at 255 as libbpf caps it
    const [a, b, c] = release().split(/[.-]/).map(Number) as [number, number, number];
    const version = (a << 16) + (b << 8) + Math.min(c, 255);
    expect(variables.LINUX_KERNEL_VERSION).toBe(version);
    expect(variables.CONFIG_HZ).not.toBe(version);
    // what the program read, from .bss
    expect(Number(variables.seen_version)).toBe(version);
    expect(Number(variables.seen_hz)).toBe(variables.CONFIG_HZ);
  });
});
