import { readFileSync } from 'node:fs';
import { NotFoundError } from '@bpfkit/core';
import { ringBufferDrops, ringBufferEvents } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';
import { setVariable } from '../variables.js';
import { ringBufferDropCounter } from './ring-drops.js';

const object = readFileSync(new URL('../fixtures/ring_flood.bpfel.o', import.meta.url));
const skip = kernelSkipReason();
const FLOOD = 200_000;

const until = async (done: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 10));
};

describe.skipIf(skip)(`ring buffer drops${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('a getuid flood overfills the ring: records read + drops reported = events the program saw', async () => {
    const loader = createLoader();
    const spec = loader.open(object, { name: 'ring_flood' });
    setVariable(spec, 'target_tgid', process.pid);
    const loaded = await loader.load(spec);
    const links = loaded.attachAll();
    let received = 0;
    let reported = 0n;
    const counter = ringBufferDropCounter(loaded, 'events');
    expect(counter).toBeDefined();
    const records = ringBufferEvents(loaded.map('events').fd).subscribe(() => received++);
    const drops = ringBufferDrops(counter!, { intervalMs: 10 }).subscribe((d) => {
      expect(d.total).toBe(reported + d.added);
      reported = d.total;
    });
    try {
      // synchronous: nothing reads the ring while the flood runs, so it fills and the program drops
      for (let i = 0; i < FLOOD; i++) process.getuid?.();
      await until(() => BigInt(received) + reported >= BigInt(FLOOD), 10_000);
      const seen = loaded.readVariable('events_seen') as bigint;
      expect(seen).toBe(BigInt(FLOOD));
      expect(reported).toBe(loaded.readVariable('events_drops'));
      expect(reported).toBeGreaterThan(0n);
      expect(BigInt(received) + reported).toBe(seen);
    } finally {
      records.unsubscribe();
      drops.unsubscribe();
      for (const link of links) link.close();
      loaded.close();
    }
  }, 30_000);

  it('reads a counter named explicitly; naming a missing one is a NotFoundError', async () => {
    const loader = createLoader();
    const loaded = await loader.load(loader.open(object, { name: 'ring_flood' }));
    try {
      expect(ringBufferDropCounter(loaded, 'events', 'events_seen')!()).toBe(0n);
      expect(() => ringBufferDropCounter(loaded, 'events', 'no_such_counter')).toThrow(NotFoundError);
    } finally {
      loaded.close();
    }
  });
});
