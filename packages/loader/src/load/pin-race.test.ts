import { readFileSync } from 'node:fs';
import { MapType, PinConflictError } from '@bpfkit/core';
import { type Fd, type MapCreateAttr, SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';

const object = readFileSync(new URL('fixtures/shared_pin.bpfel.o', import.meta.url));
const sharedCounts: MapCreateAttr = {
  type: MapType.HASH,
  keySize: 4,
  valueSize: 8,
  maxEntries: 64,
  flags: 0,
  name: 'shared_counts',
};

/**
 * A kernel where another loader pins `path` right after our loader looked and found nothing: the
 * window between BPF_OBJ_GET answering ENOENT and our BPF_OBJ_PIN.
 */
class RacingKernel extends SimulatedKernel {
  winnerId = 0;
  constructor(
    readonly racePath: string,
    readonly winner: MapCreateAttr,
  ) {
    super({ possibleCpus: 2 });
  }

  override getPinned(path: string): Fd {
    if (path !== this.racePath || this.winnerId !== 0) return super.getPinned(path);
    const lookedTooEarly = catchError(() => super.getPinned(path));
    const fd = this.createMap(this.winner);
    this.winnerId = this.mapInfo(fd).id;
    this.pin(fd, path);
    fd.close();
    throw lookedTooEarly;
  }
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the lookup to fail');
}

const pinnings = [
  { kind: 'by-name (LIBBPF_PIN_BY_NAME)', path: '/sys/fs/bpf/shared_counts', pinning: undefined },
  {
    kind: 'by path (iproute2 PIN_GLOBAL_NS, BCC)',
    path: '/sys/fs/bpf/tc/globals/shared_counts',
    pinning: { kind: 'path', path: 'tc/globals/shared_counts' } as const,
  },
];

describe('a map pin that another loader makes between our look and our pin', () => {
  for (const { kind, path, pinning } of pinnings) {
    it(`${kind}: reuses the winner's map and closes ours`, async () => {
      const kernel = new RacingKernel(path, sharedCounts);
      const loader = createLoader({ backend: kernel });
      const spec = loader.open(object, { name: 'shared_pin' });
      if (pinning) spec.maps.find((m) => m.name === 'shared_counts')!.pinning = pinning;

      const loaded = await loader.load(spec);
      expect(loaded.map('shared_counts').info().id).toBe(kernel.winnerId);
      // ours was created, lost the race and is gone: one map alive, the winner's
      expect(kernel.mapCreates.filter((m) => m.name === 'shared_counts')).toHaveLength(2);
      expect(kernel.pinnedPaths()).toEqual([path]);
      for (const program of loaded.programs.values()) {
        expect(program.info().mapIds).toEqual([kernel.winnerId]);
      }
      loaded.close();
      expect(kernel.openFds()).toEqual([]);
    });
  }

  it('refuses an incompatible winner with PinConflictError and leaves nothing of its own', async () => {
    const path = '/sys/fs/bpf/shared_counts';
    const kernel = new RacingKernel(path, { ...sharedCounts, maxEntries: 32 });
    const loader = createLoader({ backend: kernel });
    const load = loader.load(loader.open(object, { name: 'shared_pin' }));
    await expect(load).rejects.toThrow(PinConflictError);
    await expect(load).rejects.toThrow(/max entries 32 != 64/);
    expect(kernel.openFds()).toEqual([]);
    expect(kernel.pinnedPaths()).toEqual([path]);
  });
});
