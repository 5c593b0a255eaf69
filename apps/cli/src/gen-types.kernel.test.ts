import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypeModules } from './gen-types.test-helpers.js';

const skip = kernelSkipReason();

describe.skipIf(skip)(`bpfkit gen types${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let bpffs: ReturnType<typeof mountBpffs>;
  beforeAll(async () => {
    dir = await generateTypeModules();
    bpffs = mountBpffs();
  });
  afterAll(() => {
    bpffs?.unmount();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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
