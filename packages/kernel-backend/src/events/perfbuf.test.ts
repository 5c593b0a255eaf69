import { readdirSync, readlinkSync } from 'node:fs';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R10 } from '@bpfkit/asm';
import { MapType, ProgramType } from '@bpfkit/core';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineCpus } from '../attach/perf-event-program.js';
import type { Fd } from '../fd.js';
import { createCounter, fetchAddCounter, loadBuilt, readCounter } from '../testing/attach.test-helpers.js';
import { onOneCpu } from '../testing/cpu-pin.test-helpers.js';
import { kernelOk, kernelSkipReason, linuxBackend, readU64 } from '../testing/kernel-gate.test-helpers.js';
import { PerfBuffer, type PerfBufferEvent } from './perfbuf.js';
import { perfBufferEvents } from './perfbuf-events.js';

const packet = new Uint8Array(64);

/** Open perf event fds of this process (/proc/self/fd links to anon_inode:[perf_event]). */
function perfEventFds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes('perf_event');
    } catch {
      return false;
    }
  }).length;
}

/** XDP: seq = counter[0]++, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &seq, 8). */
function sequenceProgram(): ProgramBuilder {
  return fetchAddCounter(new ProgramBuilder().mov64Reg(R6, R1), R1)
    .store('u64', R10, -16, R1)
    .mov64Reg(R1, R6)
    .ldMapFd(R2, 'events')
    .ldImm64(R3, 0xffff_ffffn) // BPF_F_CURRENT_CPU
    .mov64Reg(R4, R10)
    .alu64Imm('add', R4, -16)
    .mov64Imm(R5, 8)
    .call('perf_event_output')
    .label('out')
    .mov64Imm(R0, 2)
    .exit();
}

describe.skipIf(!kernelOk)(`PerfBuffer (real kernel) ${kernelSkipReason}`, () => {
  const backend = kernelOk ? linuxBackend() : undefined!;
  let events: Fd;
  let counter: Fd;
  let program: Fd;

  beforeAll(() => {
    const cpus = backend.possibleCpus();
    events = backend.createMap({
      type: MapType.PERF_EVENT_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: cpus,
      flags: 0,
      name: 'events',
    });
    counter = createCounter(backend);
    program = loadBuilt(backend, sequenceProgram(), { type: ProgramType.XDP }, { events, counter });
  });
  afterAll(() => {
    program?.close();
    counter?.close();
    events?.close();
  });

  it('reads samples in order and reports what a full ring dropped as lost counts', () => {
    using buffer = PerfBuffer.open(events, { backend, pagesPerCpu: 1 });
    const start = readCounter(backend, counter);
    const runs = 1000; // 24-byte records: one 4 KiB page holds about 170, the rest are lost
    const seen: PerfBufferEvent[] = [];
    const keep = (event: PerfBufferEvent) =>
      seen.push(event.type === 'sample' ? { ...event, data: event.data.slice() } : event);
    // on one CPU: on a busy machine a long run may otherwise move to another CPU's ring part-way
    onOneCpu(() => {
      backend.testRun(program, { data: packet, repeat: runs });
      buffer.consume(keep);
      // the kernel writes PERF_RECORD_LOST once there is room again: at the next sample
      backend.testRun(program, { data: packet, repeat: 1 });
      buffer.consume(keep);
    });
    const samples = seen.filter((e) => e.type === 'sample');
    const lost = seen.reduce((sum, e) => sum + (e.type === 'lost' ? e.lost : 0), 0);
    expect(samples.length).toBeGreaterThan(100);
    expect(lost).toBeGreaterThan(0);
    expect(samples.length + lost).toBe(runs + 1);
    expect(seen.at(-2)).toMatchObject({ type: 'lost', lost });
    // the samples that made it before the loss are the first ones, in order; data keeps the
    // kernel's padding (8 bytes of u64 + 4 of padding)
    samples.slice(0, -1).forEach((sample, i) => {
      expect(sample.data.length).toBe(12);
      expect(readU64(sample.data)).toBe(start + BigInt(i));
    });
    expect(readU64(samples.at(-1)!.data)).toBe(start + BigInt(runs));
    expect(new Set(samples.map((s) => s.cpu)).size).toBe(1);
  });

  it('handles records that wrap around the end of a CPU ring', () => {
    using buffer = PerfBuffer.open(events, { backend, pagesPerCpu: 1 });
    let expected = readCounter(backend, counter);
    let wrong = 0;
    onOneCpu(() => {
      for (let round = 0; round < 50; round++) {
        backend.testRun(program, { data: packet, repeat: 37 }); // 37 * 24 bytes: not a divisor of 4096
        buffer.consume((event) => {
          if (event.type !== 'sample' || readU64(event.data) !== expected) wrong++;
          expected++;
        });
      }
    });
    expect(wrong).toBe(0);
    expect(expected).toBe(readCounter(backend, counter));
  });

  it('streams samples as an Observable and closes its perf events on unsubscribe', async () => {
    const before = perfEventFds();
    const start = readCounter(backend, counter);
    const received = firstValueFrom(
      perfBufferEvents(events, { backend }).pipe(
        filter((e) => e.type === 'sample'),
        take(300),
        toArray(),
      ),
    );
    expect(perfEventFds()).toBe(before + onlineCpus().length);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      // on one CPU, as above: a run that moved CPUs part-way put its last samples in another
      // CPU's ring, which the stream read first (CI, a busy machine)
      onOneCpu(() => backend.testRun(program, { data: packet, repeat: 100 }));
    }
    const samples = await received;
    expect(samples.map((s) => (s.type === 'sample' ? readU64(s.data) : -1n))).toEqual(
      Array.from({ length: 300 }, (_, i) => start + BigInt(i)),
    );
    expect(perfEventFds()).toBe(before);
  });
});
