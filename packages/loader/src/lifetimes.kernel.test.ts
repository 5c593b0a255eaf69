import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadEvent } from './load-operation.js';

const counter = new URL('../../../fixtures/exec_counter.bpfel.o', import.meta.url).pathname;
const unsafe = new URL('../../../fixtures/unsafe_null_deref.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason('bpftool');

const openFds = () => readdirSync('/proc/self/fd').length;
const linkIds = (): number[] =>
  (
    JSON.parse(execFileSync('bpftool', ['link', 'show', '--json'], { encoding: 'utf8' })) as { id: number }[]
  ).map((l) => l.id);

/** Every event of a load watched only through `events`, and how the stream ended. */
async function watch(events: LoadOperation['events']): Promise<{ seen: LoadEvent[]; error?: unknown }> {
  try {
    return { seen: await lastValueFrom(events.pipe(toArray())) };
  } catch (error) {
    return { seen: [], error };
  }
}
type LoadOperation = ReturnType<ReturnType<typeof createLoader>['load']>;

describe.skipIf(skip)(`what a load leaves behind${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('a failing load watched only through events ends the stream with the error and leaves no fd', async () => {
    const loader = createLoader();
    const spec = loader.open(unsafe);
    const before = openFds();
    const { error } = await watch(loader.load(spec).events);
    expect((error as Error).name).toBe('VerifierError');
    // the process is still here (no unhandled rejection ended it), and every fd the load made is closed
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBe(before);
  });

  it('a succeeding load watched only through events hands over the object, whose close leaves no fd', async () => {
    const loader = createLoader();
    const spec = loader.open(counter);
    const before = openFds();
    const { seen } = await watch(loader.load(spec).events);
    expect(seen.filter((e) => e.type === 'stage-finished').map((e) => ('stage' in e ? e.stage : ''))).toEqual(
      [
        'probe kernel features',
        'resolve externs',
        'load btf',
        'create maps',
        'relocate programs',
        'load programs',
        'fill map slots',
        'prepare struct_ops',
      ],
    );
    const loaded = seen.at(-1);
    expect(loaded?.type).toBe('loaded');
    if (loaded?.type === 'loaded') loaded.object.close();
    expect(openFds()).toBe(before);
  });

  it('is a real Promise: catch and finally work on a failing load', async () => {
    const loader = createLoader();
    let finished = false;
    const caught = await loader
      .load(loader.open(unsafe))
      .catch((error: Error) => error.name)
      .finally(() => {
        finished = true;
      });
    expect(caught).toBe('VerifierError');
    expect(finished).toBe(true);
  });

  it('closing the loaded object detaches every link attachAll made; a pinned link stays', async () => {
    const loader = createLoader();
    const bpffs = mountBpffs();
    try {
      const before = linkIds();
      const loaded = await loader.load(loader.open(counter));
      const links = loaded.attachAll();
      const made = linkIds().filter((id) => !before.includes(id));
      expect(made.length).toBe(links.filter((l) => l.fd).length);
      expect(made.length).toBeGreaterThan(1);
      expect(loaded.links).toHaveLength(links.length);
      const pinned = links.find((l) => l.fd)!;
      const pinPath = join(bpffs.dir, 'kept');
      pinned.pin(pinPath);
      loaded.close();
      const left = linkIds().filter((id) => !before.includes(id));
      expect(left).toHaveLength(1);
      rmSync(pinPath);
      // the kernel frees a link whose last reference went away asynchronously
      for (let i = 0; i < 50 && linkIds().some((id) => left.includes(id)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(linkIds().filter((id) => !before.includes(id))).toEqual([]);
    } finally {
      bpffs.unmount();
    }
  });
});
