import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = (name: string) => new URL(name, import.meta.url).pathname;
const skip = kernelSkipReason('bpftool');

const PROCESSES = 8;
const TRIALS = 10;

interface Outcome {
  trial: number;
  ok: boolean;
  mapId?: number;
  error?: string;
}

/**
 * Starts the loader processes once; each waits at a barrier file per trial, so all of them reach
 * BPF_OBJ_PIN together (the libbpf race "Fix race when pinning maps in parallel" is about).
 */
function startLoaders(pinRoot: string, barrierDir: string) {
  const outcomes: Outcome[] = [];
  const ready = new Map<number, number>();
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const children = Array.from({ length: PROCESSES }, () => {
    const child = spawn(
      process.execPath,
      [
        here('concurrent-load.child.mjs'),
        here('fixtures/shared_pin.bpfel.o'),
        pinRoot,
        barrierDir,
        `${TRIALS}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const trial = /^ready (\d+)$/.exec(line)?.[1];
      if (trial !== undefined) ready.set(Number(trial), (ready.get(Number(trial)) ?? 0) + 1);
      else outcomes.push(JSON.parse(line) as Outcome);
      wake();
    });
    child.on('exit', wake);
    return child;
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });
  return { children, outcomes, ready, until };
}

describe.skipIf(skip)(`concurrent loads sharing a pinned map${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bpffs: ReturnType<typeof mountBpffs>;
  let barrierDir: string;
  beforeAll(() => {
    bpffs = mountBpffs();
    barrierDir = mkdtempSync(join(tmpdir(), 'bpfkit-barrier-'));
  });
  afterAll(() => {
    bpffs?.unmount();
    rmSync(barrierDir, { recursive: true, force: true });
  });

  it(`${PROCESSES} processes x ${TRIALS} trials load one LIBBPF_PIN_BY_NAME object: all succeed, all on one map`, async () => {
    const pinRoot = join(bpffs.dir, 'shared');
    const pin = join(pinRoot, 'shared_counts');
    const loaders = startLoaders(pinRoot, barrierDir);
    const pinnedIds: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      await loaders.until(() => (loaders.ready.get(trial) ?? 0) === PROCESSES);
      // a fresh race each trial: nothing pinned when the barrier opens
      rmSync(pinRoot, { recursive: true, force: true });
      writeFileSync(join(barrierDir, `go-${trial}`), '');
      await loaders.until(() => loaders.outcomes.filter((o) => o.trial === trial).length === PROCESSES);
      const shown = JSON.parse(
        execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', pin], { encoding: 'utf8' }),
      );
      pinnedIds.push(shown.id as number);
    }
    const failures = loaders.outcomes.filter((o) => !o.ok);
    expect(failures).toEqual([]);
    expect(loaders.outcomes).toHaveLength(PROCESSES * TRIALS);
    for (let trial = 0; trial < TRIALS; trial++) {
      const ids = new Set(loaders.outcomes.filter((o) => o.trial === trial).map((o) => o.mapId));
      expect([...ids]).toEqual([pinnedIds[trial]]);
    }
    // every trial raced for a new map
    expect(new Set(pinnedIds).size).toBe(TRIALS);
    // 8 node processes: ~20 s on the host, minutes in the 6.1 lane's emulated guest
  }, 600_000);
});
