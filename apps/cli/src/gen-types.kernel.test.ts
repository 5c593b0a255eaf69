import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const skip = kernelSkipReason();
const fixture = (path: string) => new URL(`../../../${path}`, import.meta.url).pathname;
// Inside the repo (gitignored), so that the generated modules' imports of @bpfkit/* resolve.
const genRoot = new URL('../.gen-test/', import.meta.url).pathname;

const objects = {
  btf_maps: 'packages/maps-btf/src/fixtures/btf_maps.bpfel.o',
  global_vars: 'fixtures/global_vars.bpfel.o',
  exec_events: 'apps/cli/src/fixtures/exec_events.bpfel.o',
};

/** Type-level checks: each @ts-expect-error must be an error, or tsc fails. */
const USE_TS = `import type { FlowKey, FlowStatsT, SkeletonMaps } from './btf_maps.js';
import { ExecKind, type Event, type Variables as ExecVariables } from './exec_events.js';
import type { Skeleton, Variables } from './global_vars.js';

export const key: FlowKey = { saddr: 1, daddr: 2, sport: 3, dport: 4, proto: 6 };
export const stats: FlowStatsT = { packets: 1n, bytes: 2n };
// @ts-expect-error 64-bit counters are bigints
export const wrongStats: FlowStatsT = { packets: 1, bytes: 2 };
export const event: Event = { pid: 1, tp_pid: 2, seq: 3n, comm: 'true' };
export const kind: ExecVariables['last_kind'] = ExecKind.EXEC_AGAIN;
// @ts-expect-error an enum takes its values only
export const wrongKind: ExecVariables['last_kind'] = 7;
export const packets: Variables['packets'] = 1n;

export function writes(skeleton: Skeleton, maps: SkeletonMaps): void {
  skeleton.write('last_len', 5);
  // @ts-expect-error .rodata is frozen after load
  skeleton.write('verdict', 1);
  // @ts-expect-error no such program
  skeleton.program('nope');
  maps.lru_counts.fill(1n, 7);
  // @ts-expect-error keys of flows are struct flow_key
  maps.flows.lookup(7);
}
`;

const TSCONFIG = {
  extends: '../../../../tsconfig.base.json',
  compilerOptions: {
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
  },
  include: ['*.ts'],
};

describe.skipIf(skip)(`bpfkit gen types${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let bpffs: ReturnType<typeof mountBpffs>;
  beforeAll(async () => {
    mkdirSync(genRoot, { recursive: true });
    dir = mkdtempSync(join(genRoot, 'gen-'));
    bpffs = mountBpffs();
    for (const [name, path] of Object.entries(objects)) {
      const err: string[] = [];
      const code = await main(['gen', 'types', fixture(path), '-o', join(dir, `${name}.ts`)], {
        out: () => {},
        err: (t) => err.push(t),
      });
      expect(code, err.join('\n')).toBe(0);
    }
    writeFileSync(join(dir, 'use.ts'), USE_TS);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  });
  afterAll(() => {
    bpffs?.unmount();
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

  it('reads and writes a typed hash map and a per-CPU map in the kernel', async () => {
    const generated = await import(pathToFileURL(join(dir, 'btf_maps.ts')).href);
    const skeleton = await generated.load({ load: { pinRoot: bpffs.dir } });
    try {
      const key = { saddr: 0x0a000001, daddr: 0x0a000002, sport: 1234, dport: 80, proto: 6 };
      skeleton.maps.flows.update(key, { packets: 3n, bytes: 1500n });
      expect(skeleton.maps.flows.lookup(key)).toEqual({ packets: 3n, bytes: 1500n });
      expect([...skeleton.maps.flows.keys()]).toEqual([key]);
      // the same bytes through the raw LiveMap, to prove the layout is the C one
      const raw = skeleton.maps.flows.live.lookup(generated.codecs.flows.key.encode(key));
      expect(new DataView(raw.buffer).getBigUint64(8, true)).toBe(1500n);
      skeleton.maps.lru_counts.fill(9n, 7);
      const perCpu = skeleton.maps.lru_counts.lookup(9n);
      expect(perCpu.length).toBeGreaterThan(0);
      expect(perCpu.every((v: number) => v === 7)).toBe(true);
      expect(generated.mapNames).toContain('jump_table');
      expect(generated.programNames).toEqual(['prog_a', 'prog_b']);
    } finally {
      skeleton.close();
    }
  });

  it('sets a .rodata constant at load and reads typed .bss variables after a test run', async () => {
    const generated = await import(pathToFileURL(join(dir, 'global_vars.ts')).href);
    const skeleton = await generated.load({ initial: { verdict: 0, last_len: 1 } });
    try {
      expect(skeleton.read('last_len')).toBe(1);
      const result = skeleton.program('steered_filter').testRun({ data: new Uint8Array(64) });
      // skb->len: the packet without the Ethernet header test_run strips
      expect(result.retval).toBe(64 - 14);
      expect(skeleton.read('packets')).toBe(1n);
      expect(skeleton.read('bytes')).toBe(50n);
      expect(skeleton.read('last_len')).toBe(50);
      skeleton.write('last_len', 5);
      expect(skeleton.read('last_len')).toBe(5);
    } finally {
      skeleton.close();
    }
  });

  it('gives a codec for struct event and a const object for enums', async () => {
    const generated = await import(pathToFileURL(join(dir, 'exec_events.ts')).href);
    const event = { pid: 1, tp_pid: 2, seq: 3n, comm: 'true' };
    const bytes = generated.eventCodec.encode(event);
    expect(bytes.length).toBe(32);
    expect(generated.eventCodec.decode(bytes)).toEqual(event);
    expect(generated.ExecKind).toEqual({ EXEC_FIRST: 1, EXEC_AGAIN: 2 });
  });
});
