import { ProgramBuilder, R0, R1, R2, R3, R4, R10 } from '@bpfkit/asm';
import { MapType, ProgramType, UsageError } from '@bpfkit/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import { createCounter, fetchAddCounter, loadBuilt, readCounter } from '../testing/attach.test-helpers.js';
import { kernelOk, kernelSkipReason, linuxBackend, readU64 } from '../testing/kernel-gate.test-helpers.js';
import { bpfMappings } from '../testing/ringbuf.test-helpers.js';
import { RingBuffer } from './ringbuf.js';
import { ringBufferEvents } from './ringbuf-events.js';

const RING_BYTES = 256 * 1024;
const packet = new Uint8Array(64);

/** XDP: seq = counter[0]++ (atomic), bpf_ringbuf_output(&ring, &seq, 8, 0). */
function sequenceProgram(): ProgramBuilder {
  return fetchAddCounter(new ProgramBuilder(), R1)
    .store('u64', R10, -16, R1)
    .ldMapFd(R1, 'ring')
    .mov64Reg(R2, R10)
    .alu64Imm('add', R2, -16)
    .mov64Imm(R3, 8)
    .mov64Imm(R4, 0)
    .call('ringbuf_output')
    .label('out')
    .mov64Imm(R0, 2)
    .exit();
}

describe.skipIf(!kernelOk)(`RingBuffer (real kernel) ${kernelSkipReason}`, () => {
  const backend = kernelOk ? linuxBackend() : undefined!;
  let ring: Fd;
  let counter: Fd;
  let program: Fd;

  beforeAll(() => {
    ring = backend.createMap({
      type: MapType.RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: RING_BYTES,
      flags: 0,
      name: 'ring',
    });
    counter = createCounter(backend);
    program = loadBuilt(backend, sequenceProgram(), { type: ProgramType.XDP }, { ring, counter });
  });
  afterAll(() => {
    program?.close();
    counter?.close();
    ring?.close();
  });

  it('delivers 1,000,000 records in order, each exactly once, across many wrap-arounds', () => {
    using reader = RingBuffer.open(ring, backend);
    let expected = counterValue();
    const first = expected;
    let outOfOrder = 0;
    const rounds = 100;
    const perRound = 10_000; // 160 KB of records: fits the 256 KB ring, so the kernel drops none
    for (let round = 0; round < rounds; round++) {
      backend.testRun(program, { data: packet, repeat: perRound });
      reader.consume((record) => {
        if (record.length !== 8 || readU64(record) !== expected) outOfOrder++;
        expected++;
      });
    }
    expect(outOfOrder).toBe(0);
    expect(expected - first).toBe(BigInt(rounds * perRound));
    expect(reader.pending).toBe(0);
  });

  it('poll waits with epoll for the kernel to signal data, and answers 0 when there is none', () => {
    using reader = RingBuffer.open(ring, backend);
    reader.consume(() => {});
    expect(reader.poll(0, () => {})).toBe(0);
    backend.testRun(program, { data: packet, repeat: 3 });
    const seen: bigint[] = [];
    expect(reader.poll(100, (record) => seen.push(readU64(record)))).toBe(3);
    expect(seen[2]! - seen[0]!).toBe(2n);
  });

  it('streams copies through an Observable without blocking the event loop, and unmaps on unsubscribe', async () => {
    const before = bpfMappings();
    const start = counterValue();
    const events = ringBufferEvents(ring, { backend });
    const received = firstValueFrom(events.pipe(take(5000), toArray()));
    expect(bpfMappings()).toBe(before + 2); // consumer page, producer page + data
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    // produce from the event loop while the subscription polls
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      backend.testRun(program, { data: packet, repeat: 1000 });
    }
    const records = await received;
    clearInterval(ticker);
    expect(records.map((r) => readU64(r))).toEqual(Array.from({ length: 5000 }, (_, i) => start + BigInt(i)));
    expect(ticks).toBeGreaterThan(0);
    expect(bpfMappings()).toBe(before);
  });

  it('refuses a map that is not a ring buffer', () => {
    expect(() => RingBuffer.open(counter, backend)).toThrow(UsageError);
  });

  function counterValue(): bigint {
    return readCounter(backend, counter);
  }
});
