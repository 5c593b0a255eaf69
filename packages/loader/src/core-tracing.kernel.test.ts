import { spawn } from 'node:child_process';
import { decodeValue } from '@bpfkit/btf';
import { NotSupportedError } from '@bpfkit/core';
import { RingBuffer } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
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

    it('a kprobe program with CO-RE loads, though this kernel cannot attach kprobes', async () => {
      const loader = createLoader();
      const spec = loader.open(fixture);
      const loaded = await loader.load(spec, { select: (p) => p.name === 'nanosleep_probe' });
      try {
        expect(loaded.program('nanosleep_probe').info().type).toBe(
          spec.programs.find((p) => p.name === 'nanosleep_probe')!.type,
        );
        expect(() => loaded.program('nanosleep_probe').attach()).toThrow(NotSupportedError);
      } finally {
        loaded.close();
      }
    });

    it('an fentry program fails with an error that says the kernel refused the trampoline program type', async () => {
      const loader = createLoader();
      const failure = loader.load(loader.open(fixture), {
        select: (p) => p.name === 'nanosleep_fentry',
      });
      await expect(failure).rejects.toThrow(/refused the trampoline program type/);
    });
  },
);
