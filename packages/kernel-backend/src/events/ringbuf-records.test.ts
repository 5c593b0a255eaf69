import { UsageError } from '@bpfkit/core';
import { config, firstValueFrom, map, type Subscription, take, toArray } from 'rxjs';
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
import type { RingRecord } from './ring-record.js';
import { RingBuffer } from './ringbuf.js';
import { ringBufferRecords } from './ringbuf-records.js';

const RING_BYTES = 64 * 1024;
const raise = (error: Error): never => {
  throw error;
};
const packet = new Uint8Array(64);

describe.skipIf(!kernelOk)(`RingBuffer records (real kernel) ${kernelSkipReason}`, () => {
  const backend = kernelOk ? linuxBackend() : undefined!;
  let counter: Fd;
  const setup = (discardOdd = false) => sequenceRing(backend, counter, RING_BYTES, discardOdd);
  const counterValue = (): bigint => readCounter(backend, counter);

  beforeAll(() => {
    // a high start, so the sequence numbers the program writes use every byte of the u64
    counter = createCounter(backend);
    const start = new Uint8Array(8);
    new DataView(start.buffer).setBigUint64(0, 0x0102_0304_0506_0000n, true);
    backend.mapUpdate(counter, new Uint8Array(4), start, 0);
  });
  afterAll(() => counter?.close());

  it('reads each record the program wrote through one reused view, across wrap-arounds', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    let expected = counterValue();
    const first = expected;
    const views = new Set<RingRecord>();
    let wrong = 0; // records whose contents, length or place differ from what the program wrote
    let position = 0; // bytes consumed: the ring is fresh, so this is the consumer position
    let wrapped = 0;
    const check = (record: RingRecord): void => {
      views.add(record);
      const seq = expected++;
      // a read that starts near the end goes on into the second mapping of the data area
      if (record.offset >= RING_BYTES) wrapped++;
      if ((record.offset - 8) % RING_BYTES !== position % RING_BYTES || record.length !== 8) wrong++;
      position += SEQUENCE_RECORD_BYTES;
      if (record.u64(0) !== seq) wrong++;
      if (record.u32(0) !== Number(seq & 0xffff_ffffn) || record.u32(4) !== Number(seq >> 32n)) wrong++;
      if (record.i32(4) !== Number(seq >> 32n)) wrong++;
      if (record.u16(6) !== Number(seq >> 48n) || record.u8(0) !== Number(seq & 0xffn)) wrong++;
      if (readU64(record.copy()) !== seq || readU64(record.view()) !== seq) wrong++;
    };
    // 3000 records of 16 bytes fill 48 KB of the 64 KB ring: later rounds wrap at its end
    for (let round = 0; round < 12; round++) {
      backend.testRun(program, { data: packet, repeat: 3000 });
      expect(reader.consumeRecords(check)).toBe(3000);
    }
    expect(wrong).toBe(0);
    expect(expected - first).toBe(36_000n);
    expect(expected).toBe(counterValue());
    expect(wrapped).toBeGreaterThan(0);
    expect(views.size).toBe(1);
    expect(reader.pending).toBe(0);
    close();
  });

  it('checks reads against the record: none past its end, and none once its callback returned', () => {
    const { ring, program, close } = setup();
    using reader = RingBuffer.open(ring, backend);
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 3 });
    let kept: RingRecord | undefined;
    const copies: Uint8Array[] = [];
    reader.consumeRecords((record) => {
      kept = record;
      copies.push(record.copy());
      expect(() => record.u32(6)).toThrow(RangeError); // bytes 8.. are the next record's header
      expect(() => record.u8(8)).toThrow(RangeError);
      expect(() => record.u8(-1)).toThrow(RangeError);
    });
    // the view was released when consumeRecords returned: every read now throws, copies stay
    expect(() => kept!.u64(0)).toThrow(UsageError);
    expect(() => kept!.u8(0)).toThrow(/after the callback that received it returned/);
    expect(() => kept!.copy()).toThrow(UsageError);
    expect(() => kept!.view()).toThrow(UsageError);
    expect(kept!.length).toBe(0);
    expect(copies.map((copy) => readU64(copy))).toEqual([start, start + 1n, start + 2n]);
    close();
  });

  it('skips discarded records but moves past them', () => {
    const ring = setup(true);
    using reader = RingBuffer.open(ring.ring, backend);
    expectDiscardedSkipped(backend, counter, ring, reader, (onSequence) =>
      reader.consumeRecords((record) => onSequence(record.u64(0))),
    );
    ring.close();
  });

  it('stops after limit records and where a callback closes the ring; a throwing callback consumes its record', () => {
    const { ring, program, close } = setup();
    const start = counterValue();
    backend.testRun(program, { data: packet, repeat: 10 });
    const seen: bigint[] = [];
    const first = RingBuffer.open(ring, backend);
    expect(first.consumeRecords((record) => seen.push(record.u64(0)), 2)).toBe(2);
    expect(() =>
      first.consumeRecords((record) => {
        seen.push(record.u64(0));
        throw new Error('subscriber failed');
      }),
    ).toThrow('subscriber failed');
    first.consumeRecords((record) => {
      seen.push(record.u64(0));
      if (seen.length === 5) first.close();
    });
    using second = RingBuffer.open(ring, backend);
    second.consumeRecords((record) => seen.push(record.u64(0)));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => start + BigInt(i)));
    close();
  });

  it('ringBufferRecords emits one reused record per record, leaves untaken ones in the ring, unmaps on unsubscribe', async () => {
    const { ring, program, close } = setup();
    const before = bpfMappings();
    const start = counterValue();
    const views = new Set<RingRecord>();
    // a record is valid only during next: map reads it there, before take and toArray see it
    const received = firstValueFrom(
      ringBufferRecords(ring, { backend, batchSize: 7 }).pipe(
        map((record) => {
          views.add(record);
          return record.u64(0);
        }),
        take(20),
        toArray(),
      ),
    );
    expect(bpfMappings()).toBe(before + 2);
    backend.testRun(program, { data: packet, repeat: 50 });
    expect(await received).toEqual(Array.from({ length: 20 }, (_, i) => start + BigInt(i)));
    expect(views.size).toBe(1);
    expect(() => [...views][0]!.u64(0)).toThrow(UsageError);
    expect(bpfMappings()).toBe(before);
    // the unsubscribed stream consumed exactly its 20 records: the next reader starts after them
    using reader = RingBuffer.open(ring, backend);
    const rest: bigint[] = [];
    reader.consumeRecords((record) => rest.push(record.u64(0)));
    expect(rest).toEqual(Array.from({ length: 30 }, (_, i) => start + 20n + BigInt(i)));
    close();
  });

  it('calls a plain observer directly with rxjs semantics: a throwing next is reported and the stream goes on; unsubscribe inside next stops it', async () => {
    const { ring, program, close } = setup();
    const before = bpfMappings();
    const start = counterValue();
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const seen: bigint[] = [];
      let subscription: Subscription | undefined;
      const done = new Promise<void>((resolve) => {
        const observer = {
          next(this: unknown, record: RingRecord) {
            expect(this).toBe(observer); // called as rxjs calls it, as a method of the observer
            seen.push(record.u64(0));
            if (seen.length === 3) throw new Error('third record refused');
            if (seen.length === 10) {
              subscription!.unsubscribe();
              resolve();
            }
          },
        };
        subscription = ringBufferRecords(ring, { backend, batchSize: 4 }).subscribe(observer);
      });
      backend.testRun(program, { data: packet, repeat: 25 });
      await done;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the report comes from a timer
      expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => start + BigInt(i)));
      expect(reported).toEqual([new Error('third record refused')]);
      expect(subscription!.closed).toBe(true);
      expect(bpfMappings()).toBe(before);
      // unsubscribed inside the tenth next: the eleventh record is the next reader's first
      using reader = RingBuffer.open(ring, backend);
      const rest: bigint[] = [];
      reader.consumeRecords((record) => rest.push(record.u64(0)));
      expect(rest).toEqual(Array.from({ length: 15 }, (_, i) => start + 10n + BigInt(i)));
    } finally {
      config.onUnhandledError = previous;
      close();
    }
  });

  it('takes a function as observer, and reports a stream that cannot start to error, as rxjs does', async () => {
    const { ring, program, close } = setup();
    const before = bpfMappings();
    const start = counterValue();
    const values: bigint[] = [];
    const first = new Promise<void>((resolve) => {
      const subscription = ringBufferRecords(ring, { backend }).subscribe((record) => {
        values.push(record.u64(0));
        if (values.length === 2) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    backend.testRun(program, { data: packet, repeat: 2 });
    await first;
    expect(values).toEqual([start, start + 1n]);
    expect(bpfMappings()).toBe(before);
    // a stream that cannot start (the backend refuses the map) reports to error, as rxjs does
    const failing = { mapInfo: () => raise(new Error('map is gone')) } as unknown as typeof backend;
    const errors: unknown[] = [];
    const failed = ringBufferRecords(ring, { backend: failing }).subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new Error('map is gone')]);
    expect(failed.closed).toBe(true);
    // and the rxjs path agrees
    const viaRxjs: unknown[] = [];
    ringBufferRecords(ring, { backend: failing })
      .pipe(take(1))
      .subscribe({ error: (e) => viaRxjs.push(e) });
    expect(viaRxjs).toEqual(errors);
    close();
  });
});
