import { execFileSync } from 'node:child_process';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { createLoader, type LoadedObject } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const skip = kernelSkipReason('bpftool');
const cliFixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const bpftool = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

/** bpftool's hex byte list ["0x01", "0x00"] as bpfkit prints bytes: "01 00". */
const hex = (bytes: string[]) => bytes.map((b) => b.slice(2)).join(' ');

describe.skipIf(skip)(
  `bpfkit map and prog against the real kernel${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let bpffs: ReturnType<typeof mountBpffs>;
    let loaded: LoadedObject;
    let pin: string;
    beforeAll(async () => {
      bpffs = mountBpffs();
      const loader = createLoader();
      loaded = await loader.load(loader.open(cliFixture('exec_events.bpfel.o')));
      pin = `${bpffs.dir}/execs_by_pid`;
      loaded.map('execs_by_pid').pin(pin);
    });
    afterAll(() => {
      loaded?.close();
      bpffs?.unmount();
    });

    it('updates and looks up a BTF-typed map by pin with numbers, and with hex bytes', async () => {
      expect((await run('map', 'update', pin, '7', '42')).code).toBe(0);
      expect((await run('map', 'update', pin, '08 00 00 00', '2a 01 00 00 00 00 00 00')).code).toBe(0);
      expect((await run('map', 'lookup', pin, '7')).stdout).toBe('7 -> 42');
      expect((await run('map', 'lookup', pin, '8', '--json')).stdout).toBe('{"key":8,"value":"298"}');
      const missing = await run('map', 'lookup', pin, '9');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/has no key 9/);
      const bad = await run('map', 'update', pin, 'seven', '1');
      expect(bad.code).toBe(2);
    });

    it('dumps what bpftool dumps, decoded from the BTF the kernel holds for the map', async () => {
      const id = loaded.map('execs_by_pid').info().id;
      await run('map', 'update', String(id), '1000', '3');
      const ours = JSON.parse((await run('map', 'dump', String(id), '--json')).stdout) as {
        name: string;
        type: string;
        entries: { key: number; value: string }[];
      };
      expect(ours).toMatchObject({ name: 'execs_by_pid', type: 'hash' });
      const theirs = bpftool('map', 'dump', 'id', String(id)) as {
        formatted: { key: number; value: number };
      }[];
      expect(new Set(ours.entries.map((e) => `${e.key}=${e.value}`))).toEqual(
        new Set(theirs.map((e) => `${e.formatted.key}=${e.formatted.value}`)),
      );
      expect(ours.entries.length).toBeGreaterThanOrEqual(3);
      const text = (await run('map', 'dump', pin)).stdout;
      expect(text).toMatch(/^execs_by_pid \(hash\):$/m);
      expect(text).toMatch(/^ {2}1000 -> 3$/m);
    });

    it('writes a per-CPU value on every CPU and dumps the sum bpftool shows per CPU', async () => {
      const id = String(loaded.map('total').info().id);
      expect((await run('map', 'update', id, '0', '5')).code).toBe(0);
      const ours = JSON.parse((await run('map', 'dump', id, '--json')).stdout);
      const theirs = bpftool('map', 'dump', 'id', id) as {
        key: string[];
        formatted: { values: { cpu: number; value: number }[] };
      }[];
      expect(theirs).toHaveLength(1);
      expect(hex(theirs[0]!.key)).toBe('00 00 00 00');
      const perCpu = theirs[0]!.formatted.values.map((v) => v.value);
      expect(perCpu.every((v) => v === 5)).toBe(true);
      expect(ours.entries).toEqual([{ key: 0, value: String(5 * perCpu.length) }]);
    });

    it('lists the programs bpftool lists', async () => {
      const ours = JSON.parse((await run('prog', 'list', '--json')).stdout) as {
        id: number;
        type: string;
        name: string;
        tag: string;
        map_ids: number[];
      }[];
      const theirs = bpftool('prog', 'list') as { id: number; type: string; name: string; tag: string }[];
      const ourIds = new Set(ours.map((p) => p.id));
      // programs of other tests come and go meanwhile: compare the ones both saw
      const both = theirs.filter((p) => ourIds.has(p.id));
      expect(both.length).toBeGreaterThan(0);
      for (const p of both) {
        expect(ours.find((o) => o.id === p.id)).toMatchObject({ type: p.type, tag: p.tag });
      }
      const onExec = loaded.program('on_exec').info();
      expect(ours.find((p) => p.id === onExec.id)).toMatchObject({
        type: 'tracepoint',
        name: 'on_exec',
        map_ids: expect.arrayContaining(onExec.mapIds),
      });
      expect((await run('prog', 'list')).stdout).toMatch(
        new RegExp(`^${onExec.id}\\s+tracepoint\\s+on_exec\\s`, 'm'),
      );
    });
  },
);
