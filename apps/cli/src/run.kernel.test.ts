import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadKernelBtf } from '@bpfkit/btf';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const skip = kernelSkipReason();
const repoFixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const cliFixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Runs `bpfkit run ...`; `whileRunning` starts once the attach line is on stderr. */
async function runWhile(argv: string[], whileRunning: (stop: AbortController) => Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  let attached: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    attached = resolve;
  });
  const code = main(
    ['run', ...argv],
    {
      out: (t) => out.push(t),
      err: (t) => {
        err.push(t);
        if (t.startsWith('bpfkit: attached')) attached();
      },
    },
    { stop: stop.signal },
  );
  await Promise.race([ready, code]);
  await whileRunning(stop);
  return { code: await code, out, err };
}

/** Starts `/bin/true` `count` times, one after the other; answers their pids. */
async function execTrue(count: number): Promise<number[]> {
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn('/bin/true');
    pids.push(child.pid!);
    await new Promise((resolve) => child.on('exit', resolve));
  }
  return pids;
}

const congestionControls = () =>
  readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
// struct_ops links (6.4) as the kernel's BTF tells, asked without the loader
const structOpsLinks = !skip && loadKernelBtf().findByName('bpf_struct_ops_link', 'STRUCT').length > 0;

describe.skipIf(skip)(`bpfkit run against the real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('registers a struct_ops congestion control for the run and unregisters it at the end', async () => {
    let during: string[] = [];
    const { code, err } = await runWhile([repoFixture('tcp_ca_counter.bpfel.o')], async (stop) => {
      during = congestionControls();
      stop.abort();
    });
    if (!structOpsLinks) {
      // before 6.4: the .struct_ops.link map is refused by name
      expect(code).not.toBe(0);
      expect(err.join('\n')).toMatch(/struct_ops links/);
      return;
    }
    expect(code, err.join('\n')).toBe(0);
    expect(err.join('\n')).toMatch(/attached 1 program \(struct_ops bpfkit_reno\)/);
    expect(during).toContain('bpfkit_reno');
    expect(congestionControls()).not.toContain('bpfkit_reno');
    // The first run of the file also parses vmlinux BTF: ~5 s on the host, over 30 s under TCG emulation.
  }, 120_000);

  it('attaches every program, and at the end of --duration prints the .bss counters', async () => {
    const { code, out, err } = await runWhile(
      [repoFixture('exec_counter.bpfel.o'), '--duration', '1'],
      async () => void (await execTrue(3)),
    );
    expect(code, err.join('\n')).toBe(0);
    expect(err.join('\n')).toMatch(
      /attached 3 programs \(count_tracepoint, count_raw_tp, count_tp_btf\); running for 1 s, Ctrl-C to stop/,
    );
    const text = out.join('\n');
    for (const counter of ['tracepoint_hits', 'raw_tp_hits', 'tp_btf_hits']) {
      const value = Number(text.match(new RegExp(`${counter} = (\\d+)`))?.[1]);
      expect(value, text).toBeGreaterThanOrEqual(3);
    }
  });

  it('runs the CO-RE exec tracer: each process the test starts, with its pid, parent pid and name', async () => {
    let pids: number[] = [];
    const { code, out, err } = await runWhile(
      [repoFixture('exec_tracer.bpfel.o'), '--json', '--set', `only_ppid=${process.pid}`],
      async (stop) => {
        pids = await execTrue(2);
        await new Promise((resolve) => setTimeout(resolve, 100));
        stop.abort();
      },
    );
    expect(code, err.join('\n')).toBe(0);
    const events = out
      .flatMap((chunk) => chunk.split('\n'))
      .map((line) => JSON.parse(line))
      .filter((line) => !('summary' in line));
    for (const pid of pids) {
      const seen = events.filter((e) => e.pid === pid);
      // one event from each of the tracepoint, raw_tp and tp_btf programs
      expect(seen.map((e) => e.source).sort(), `events for pid ${pid}`).toEqual([1, 2, 3]);
      for (const event of seen) expect(event).toMatchObject({ pid, ppid: process.pid, comm: 'true' });
    }
  });

  it('streams ring-buffer records decoded as struct event, one JSON object per line, then the maps', async () => {
    let pids: number[] = [];
    const { code, out, err } = await runWhile([cliFixture('exec_events.bpfel.o'), '--json'], async (stop) => {
      pids = await execTrue(3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      stop.abort();
    });
    expect(code, err.join('\n')).toBe(0);
    const lines = out.flatMap((chunk) => chunk.split('\n')).map((line) => JSON.parse(line));
    const summary = lines.at(-1).summary;
    const events = lines.slice(0, -1);
    for (const pid of pids) {
      const event = events.find((e) => e.pid === pid);
      expect(event, `no event for pid ${pid}`).toMatchObject({ pid, tp_pid: pid, comm: 'true' });
      expect(typeof event.seq).toBe('string'); // __u64: a decimal string in JSON
    }
    const byPid = summary.maps.find((m: { name: string }) => m.name === 'execs_by_pid');
    expect(byPid.type).toBe('hash');
    for (const pid of pids) expect(byPid.entries).toContainEqual({ key: pid, value: '1' });
    const total = summary.maps.find((m: { name: string }) => m.name === 'total');
    // per-CPU counters summed over the CPUs (other processes of the machine exec too)
    expect(total.entries).toHaveLength(1);
    expect(BigInt(total.entries[0].value)).toBeGreaterThanOrEqual(BigInt(pids.length));
    expect(BigInt(summary.variables.seq)).toBeGreaterThanOrEqual(BigInt(pids.length));
  });

  it('prints human lines, and --set changes a .rodata constant before load', async () => {
    const human = await runWhile([cliFixture('exec_events.bpfel.o')], async (stop) => {
      await execTrue(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      stop.abort();
    });
    expect(human.code).toBe(0);
    expect(human.out.join('\n')).toMatch(/^pid=\d+ tp_pid=\d+ seq=\d+ comm=true$/m);
    expect(human.out.join('\n')).toMatch(/^execs_by_pid \(hash\):\n {2}\d+ -> \d+/m);

    // only_tgid = 1 (init never execs here): the program drops every exec
    const filtered = await runWhile(
      [cliFixture('exec_events.bpfel.o'), '--json', '--set', 'only_tgid=1', '--duration', '0.5'],
      async () => void (await execTrue(2)),
    );
    expect(filtered.code).toBe(0);
    expect(filtered.out).toHaveLength(1);
    expect(JSON.parse(filtered.out[0]!).summary.variables.seq).toBe('0');
  });

  it('refuses an --event-type the object does not have, with the structs it has', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['run', cliFixture('exec_events.bpfel.o'), '--event-type', 'nope'],
      { out: (t) => out.push(t), err: (t) => err.push(t) },
      { stop: AbortSignal.abort() },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/no struct named nope[\s\S]*structs: .*event/);
  });
});
