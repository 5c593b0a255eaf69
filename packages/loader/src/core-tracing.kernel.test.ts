import { spawn } from 'node:child_process';
import { decodeValue } from '@bpfkit/btf';
import { RingBuffer } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import { hasKprobes, trampolineRefusal } from './testing/kernel-probes.js';
import { setVariable, specBtf } from './variables.js';

const fixture = new URL('../../../fixtures/exec_tracer.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();

interface ExecEvent {
  pid: number;
  ppid: number;
  source: number;
  comm: string;
}

describe.skipIf(skip)(
  `CO-RE tracing programs on the running kernel${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('tracepoint, raw_tp and tp_btf programs report the pid, parent pid and name of a process the test starts', async () => {
      const loader = createLoader();
      const spec = loader.open(fixture);
      setVariable(spec, 'only_ppid', process.pid);
      const loaded = await loader.load(spec);
      const ring = RingBuffer.open(loaded.map('events').fd);
      const btf = specBtf(spec)!;
      const [eventType] = btf.findByName('event', 'STRUCT');
      try {
        const links = loaded.attachAll();
        expect(links).toHaveLength(3);
        const child = spawn('/bin/sleep', ['0.01']);
        await new Promise((resolve) => child.on('exit', resolve));
        const events: ExecEvent[] = [];
        ring.consume((record) => {
          events.push(decodeValue(btf, eventType!, record) as unknown as ExecEvent);
        });
        for (const link of links) link.close();

        const seen = events.filter((e) => e.pid === child.pid);
        expect(seen.map((e) => e.source).sort()).toEqual([1, 2, 3]);
        for (const event of seen) {
          expect(event.ppid).toBe(process.pid);
          expect(event.comm).toBe('sleep');
        }
      } finally {
        ring.close();
        loaded.close();
      }
    });

    /** Runs `sleep 0.01` (its nanosleep reaches do_nanosleep) and returns the events it caused. */
    async function sleepEvents(
      loaded: Awaited<ReturnType<ReturnType<typeof createLoader>['load']>>,
      spec: ReturnType<ReturnType<typeof createLoader>['open']>,
    ): Promise<ExecEvent[]> {
      const ring = RingBuffer.open(loaded.map('events').fd);
      const btf = specBtf(spec)!;
      const [eventType] = btf.findByName('event', 'STRUCT');
      try {
        const child = spawn('/bin/sleep', ['0.01']);
        await new Promise((resolve) => child.on('exit', resolve));
        const events: ExecEvent[] = [];
        ring.consume((record) => {
          events.push(decodeValue(btf, eventType!, record) as unknown as ExecEvent);
        });
        return events.filter((e) => e.pid === child.pid);
      } finally {
        ring.close();
      }
    }

    it('a kprobe program with CO-RE sees a child sleep where the kernel has kprobes, else attach names CONFIG_KPROBES', async () => {
      const loader = createLoader();
      const spec = loader.open(fixture);
      setVariable(spec, 'only_ppid', process.pid);
      const loaded = await loader.load(spec, { select: (p) => p.name === 'nanosleep_probe' });
      try {
        expect(loaded.program('nanosleep_probe').info().type).toBe(
          spec.programs.find((p) => p.name === 'nanosleep_probe')!.type,
        );
        if (!hasKprobes()) {
          expect(() => loaded.program('nanosleep_probe').attach()).toThrow(
            expect.objectContaining({ name: 'NotSupportedError', feature: 'kprobe (CONFIG_KPROBES)' }),
          );
          return;
        }
        const link = loaded.program('nanosleep_probe').attach();
        const seen = await sleepEvents(loaded, spec).finally(() => link.close());
        expect(seen.map((e) => e.source)).toContain(4);
        expect(seen.every((e) => e.comm === 'sleep' && e.ppid === process.pid)).toBe(true);
      } finally {
        loaded.close();
      }
    });

    it('an fentry program with CO-RE sees a child sleep where the kernel has trampolines, else says they are refused', async () => {
      const loader = createLoader();
      const spec = loader.open(fixture);
      setVariable(spec, 'only_ppid', process.pid);
      const load = loader.load(spec, { select: (p) => p.name === 'nanosleep_fentry' });
      if (trampolineRefusal('do_nanosleep')) {
        await expect(load).rejects.toThrow(/refused the trampoline program type/);
        return;
      }
      const loaded = await load;
      try {
        const link = loaded.program('nanosleep_fentry').attach();
        expect(link.kind).toBe('tracing');
        const seen = await sleepEvents(loaded, spec).finally(() => link.close());
        expect(seen.map((e) => e.source)).toContain(5);
      } finally {
        loaded.close();
      }
    });
  },
);
