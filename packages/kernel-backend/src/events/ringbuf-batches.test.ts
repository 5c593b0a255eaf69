import { firstValueFrom, map, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import { createCounter, readCounter } from '../testing/attach.test-helpers.js';
import { kernelOk, kernelSkipReason, linuxBackend, readU64 } from '../testing/kernel-gate.test-helpers.js';
import {
  bpfMappings,
  expectDiscardedSkipped,
  SEQUENCE_RECORD_BYTES,
  sequenceRing,
} from '../testing/ringbuf.test-helpers.js';
import type { RecordBatch } from './record-batch.js';
import { RingBuffer } from './ringbuf.js';
import { ringBufferBatches } from './ringbuf-batches.js';
import { RING_BATCH_RECORDS, ringBufferEvents } from './ringbuf-events.js';

const RING_BYTES = 64 * 1024;
const RECORD_BYTES = SEQUENCE_RECORD_BYTES;
const packet = new Uint8Array(64);

const sequences = (batch: RecordBatch): bigint[] =>
  Array.from({ length: batch.count }, (_, i) => readU64(batch.record(i)));

describe.skipIf(!kernelOk)(`RingBuffer batches (real kernel) ${kernelSkipReason}`, () => {
  const backend = kernelOk ? linuxBackend() : undefined!;
  let counter: Fd;

  const setup = (discardOdd = false) => sequenceRing(backend, counter, RING_BYTES, discardOdd);
  const counterValue = (): bigint => readCounter(backend, counter);

  beforeAll(() => {
    counter = createCounter(backend);
  });
  afterAll(() => counter?.close());

  it('delivers every record once, in order, in batches that stay contiguous across wrap-arounds', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    let expected = counterValue();
    const first = expected;
    let outOfOrder = 0; // records out of place or order, and batches of the wrong shape
    let position = 0; // bytes consumed: the ring is fresh, so this is the consumer position
    let wrapped = 0;
    const perRound = 3000; // 48 KB of the 64 KB ring: every round after the first wraps at some point
    for (let round = 0; round < 40; round++) {
      backend.testRun(program, { data: packet, repeat: perRound });
      let delivered = 0;
      for (let n = reader.consumeBatch(check, 1000); n > 0; n = reader.consumeBatch(check, 1000)) {
        delivered += n;
      }
      expect(delivered).toBe(perRound);
    }
    expect(outOfOrder).toBe(0);
    expect(expected - first).toBe(40n * BigInt(perRound));
    expect(wrapped).toBeGreaterThan(10);
    expect(reader.pending).toBe(0);
    close();

    function check(batch: RecordBatch): void {
      if (batch.count > 1000 || batch.bytes.length !== batch.count * RECORD_BYTES) outOfOrder++;
      if ((position % RING_BYTES) + batch.bytes.length > RING_BYTES) wrapped++;
      position += batch.bytes.length;
      // the one-pass walk answers the same records as the index, over the same offsets
      let passed = 0;
      for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
        if (at !== batch.offset(passed) || batch.lengthAt(at) !== 8) outOfOrder++;
        if (readU64(batch.window, at) !== readU64(batch.bytes, at)) outOfOrder++;
        passed++;
      }
      if (passed !== batch.count) outOfOrder++;
      for (let i = 0; i < batch.count; i++) {
        const misplaced = batch.offset(i) !== i * RECORD_BYTES + 8 || batch.length(i) !== 8;
        if (misplaced || readU64(batch.bytes, batch.offset(i)) !== expected) outOfOrder++;
        expected++;
      }
    }
  });

  it('reads a batch in one pass (nextOffset), leaving discarded records out', () => {
    const ring = setup(true);
    using reader = RingBuffer.open(ring.ring, backend);
    expectDiscardedSkipped(backend, counter, ring, reader, (onSequence) =>
      reader.consumeBatch((batch) => {
        for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
          onSequence(readU64(batch.window, at));
        }
      }),
    );
    ring.close();
  });

  it('reads a batch in runs of equal records (nextRun), each run stepped through by its span', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    let expected = counterValue();
    const runs: number[] = [];
    let misread = 0; // records out of order, and runs of the wrong shape
    backend.testRun(program, { data: packet, repeat: 600 });
    const delivered = reader.consumeBatch((batch) => {
      for (let count = batch.nextRun(); count > 0; count = batch.nextRun()) {
        runs.push(count);
        if (batch.runSpan !== RECORD_BYTES || batch.runLength !== 8) misread++;
        for (let i = 0, at = batch.runStart; i < count; i++, at += batch.runSpan) {
          if (readU64(batch.window, at) !== expected++) misread++;
        }
      }
    });
    expect(delivered).toBe(600);
    expect(misread).toBe(0);
    expect(runs).toEqual([256, 256, 88]);
    expect(reader.pending).toBe(0);
    close();
  });

  it('reads runs of one record between discarded ones, leaving those out', () => {
    const ring = setup(true);
    using reader = RingBuffer.open(ring.ring, backend);
    expectDiscardedSkipped(backend, counter, ring, reader, (onSequence) =>
      reader.consumeBatch((batch) => {
        for (let count = batch.nextRun(); count > 0; count = batch.nextRun()) {
          expect(count).toBe(1);
          onSequence(readU64(batch.window, batch.runStart));
        }
      }),
    );
    ring.close();
  });

  it('consumes the whole batch when a one-pass reader stops part-way', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 10 });
    let first = -1n;
    expect(reader.consumeBatch((batch) => (first = readU64(batch.window, batch.nextOffset())))).toBe(10);
    expect(first).toBe(start);
    expect(reader.pending).toBe(0);
    close();
  });

  it('leaves discarded records out of the batch but moves past them', () => {
    const ring = setup(true);
    using reader = RingBuffer.open(ring.ring, backend);
    const spans: number[] = [];
    const counts: number[] = [];
    expectDiscardedSkipped(backend, counter, ring, reader, (onSequence) =>
      reader.consumeBatch((batch) => {
        spans.push(batch.bytes.length);
        counts.push(batch.count);
        for (const sequence of sequences(batch)) onSequence(sequence);
      }),
    );
    expect(spans[0]).toBe(101 * RECORD_BYTES); // the discarded ones are in the first batch's span
    expect(counts.every((count) => count > 0)).toBe(true); // never called with an empty batch
    ring.close();
  });

  it('consumes only the records before leaveInRing(i); the next read starts at record i', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 10 });
    expect(reader.consumeBatch((batch) => batch.leaveInRing(3))).toBe(3);
    expect(reader.pending).toBe(7 * RECORD_BYTES);
    const rest: bigint[] = [];
    expect(reader.consumeBatch((batch) => rest.push(...sequences(batch)))).toBe(7);
    expect(rest[0]).toBe(start + 3n);
    expect(reader.consumeBatch(() => {})).toBe(0);
    close();
  });

  it('counts a batch whose callback throws as consumed, and releases the batch views', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    backend.testRun(program, { data: packet, repeat: 5 });
    let kept: RecordBatch | undefined;
    expect(() =>
      reader.consumeBatch((batch) => {
        kept = batch;
        throw new Error('subscriber failed');
      }),
    ).toThrow('subscriber failed');
    expect(reader.pending).toBe(0);
    expect(kept!.count).toBe(0);
    expect(kept!.bytes.length).toBe(0);
    close();
  });

  it('consume advances once per call and stops where a callback closes the ring', () => {
    const { ring, program, close } = setup();
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 10 });
    const first = RingBuffer.open(ring, backend);
    const seen: bigint[] = [];
    first.consume((record) => {
      seen.push(readU64(record));
      if (seen.length === 4) first.close();
    });
    using second = RingBuffer.open(ring, backend);
    second.consume((record) => seen.push(readU64(record)));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => start + BigInt(i)));
    close();
  });

  it('streams batches through an Observable, and unmaps on unsubscribe', async () => {
    const { ring, program, close } = setup();
    const before = bpfMappings();
    const start = counterValue();
    const batches = ringBufferBatches(ring, { backend, batchSize: 100 });
    // a batch is valid only during next: read it there
    const received = firstValueFrom(batches.pipe(map(sequences), take(5), toArray()));
    expect(bpfMappings()).toBe(before + 2);
    backend.testRun(program, { data: packet, repeat: 1000 });
    const records = (await received).flat();
    expect(records).toEqual(Array.from({ length: 500 }, (_, i) => start + BigInt(i)));
    expect(bpfMappings()).toBe(before);
    // the unsubscribed stream consumed exactly its five batches: the next reader starts after them
    using reader = RingBuffer.open(ring, backend);
    const rest: bigint[] = [];
    reader.consumeBatch((batch) => rest.push(...sequences(batch)));
    expect(rest).toEqual(Array.from({ length: 500 }, (_, i) => start + 500n + BigInt(i)));
    close();
  });

  it('delivers batches of RING_BATCH_RECORDS records unless told otherwise', async () => {
    // 16-byte records: a 512 KiB ring holds 32768, so the default limit, not the ring, ends a batch
    const { ring, program, close } = sequenceRing(backend, counter, 512 * 1024);
    const produced = RING_BATCH_RECORDS + 1000;
    const counts = firstValueFrom(
      ringBufferBatches(ring, { backend }).pipe(
        map((batch) => batch.count),
        take(2),
        toArray(),
      ),
    );
    backend.testRun(program, { data: packet, repeat: produced });
    expect(await counts).toEqual([RING_BATCH_RECORDS, 1000]);
    close();
  });

  it('ringBufferEvents emits a copy of each record and leaves untaken records in the ring', async () => {
    const { ring, program, close } = setup();
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 50 });
    const records = await firstValueFrom(ringBufferEvents(ring, { backend }).pipe(take(20), toArray()));
    expect(records.map((record) => readU64(record))).toEqual(
      Array.from({ length: 20 }, (_, i) => start + BigInt(i)),
    );
    expect(records[1]!.buffer).not.toBe(records[0]!.buffer);
    expect(records.every((record) => record.byteOffset === 0 && record.byteLength === 8)).toBe(true);
    const rest = await firstValueFrom(ringBufferEvents(ring, { backend }).pipe(take(30), toArray()));
    expect(readU64(rest[0]!)).toBe(start + 20n);
    close();
  });
});
