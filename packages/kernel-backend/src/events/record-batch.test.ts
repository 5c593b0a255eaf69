import { describe, expect, it } from 'vitest';
import { ReusableRecordBatch } from './record-batch.js';
import { ReusableRingRecord } from './ring-record.js';

// A ring's data area laid out by hand as kernel/bpf/ringbuf.c writes it: an 8-byte header (u32
// length with BUSY bit 31 and DISCARD bit 30, u32 page offset) before each record, each record
// rounded up to 8 bytes. The first data byte of record k holds k, so a reader can show which it read.
const BUSY = 0x8000_0000;
const DISCARD = 0x4000_0000;

interface Spec {
  length: number;
  flags?: number;
}

function ringOf(records: Spec[], lead = 0): { window: Uint8Array; words: Int32Array } {
  const bytes = new Uint8Array(Math.max(4096, lead + records.length * 80));
  const view = new DataView(bytes.buffer);
  let at = lead;
  records.forEach(({ length, flags = 0 }, k) => {
    view.setUint32(at, (length | flags) >>> 0, true);
    bytes[at + 8] = k;
    at += (length + 8 + 7) & ~7;
  });
  // the window starts `lead` bytes into the data area, as it does past the consumer position
  return { window: new Uint8Array(bytes.buffer, lead, at - lead), words: new Int32Array(bytes.buffer) };
}

function opened(
  records: Spec[],
  limit = 1000,
  lead = 16,
): { batch: ReusableRecordBatch; window: Uint8Array } {
  const { window, words } = ringOf(records, lead);
  const batch = new ReusableRecordBatch();
  batch.open(window, limit, words, lead);
  return { batch, window };
}

/** [first byte, length] of each record the one-pass walk answers */
function walk(batch: ReusableRecordBatch): number[][] {
  const seen: number[][] = [];
  for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
    seen.push([batch.window[at]!, batch.lengthAt(at)]);
  }
  return seen;
}

/** the same as `walk`, through nextOffsets with a chunk of `room` offsets */
function walkInChunks(batch: ReusableRecordBatch, room: number): number[][] {
  const seen: number[][] = [];
  const offsets = new Int32Array(room);
  for (let count = batch.nextOffsets(offsets); count > 0; count = batch.nextOffsets(offsets)) {
    for (const at of offsets.subarray(0, count)) seen.push([batch.window[at]!, batch.lengthAt(at)]);
  }
  return seen;
}

/** the same as `walk`, through nextRun with runs of at most `maxRecords` */
function walkInRuns(batch: ReusableRecordBatch, maxRecords?: number): number[][] {
  const seen: number[][] = [];
  for (let count = batch.nextRun(maxRecords); count > 0; count = batch.nextRun(maxRecords)) {
    for (let i = 0, at = batch.runStart; i < count; i++, at += batch.runSpan) {
      seen.push([batch.window[at]!, batch.runLength]);
    }
  }
  return seen;
}

/** [count, runStart, runSpan, runLength] of each run nextRun answers */
function runsOf(batch: ReusableRecordBatch, maxRecords?: number): number[][] {
  const runs: number[][] = [];
  for (let count = batch.nextRun(maxRecords); count > 0; count = batch.nextRun(maxRecords)) {
    runs.push([count, batch.runStart, batch.runSpan, batch.runLength]);
  }
  return runs;
}

const indexed = (batch: ReusableRecordBatch): number[][] =>
  Array.from({ length: batch.count }, (_, i) => [batch.bytes[batch.offset(i)]!, batch.length(i)]);

describe('RecordBatch walks', () => {
  const mixed: Spec[] = [
    { length: 8, flags: DISCARD },
    { length: 5 },
    { length: 16 },
    { length: 3, flags: DISCARD },
    { length: 64 },
    { length: 1 },
  ];

  it('answers the same records, offsets and lengths in one pass as by index, leaving discarded ones out', () => {
    const pass = opened(mixed).batch;
    const byIndex = opened(mixed).batch;
    expect(walk(pass)).toEqual([
      [1, 5],
      [2, 16],
      [4, 64],
      [5, 1],
    ]);
    expect(indexed(byIndex)).toEqual(walk(opened(mixed).batch));
    expect(pass.consumed).toBe(4);
    expect(byIndex.consumed).toBe(4);
    // both cover the whole window: the leading discarded record, and the records' padding
    expect(pass.consumedBytes()).toBe(pass.window.length);
    expect(byIndex.bytes.length).toBe(byIndex.window.length);
  });

  it('offsets index window and bytes alike, and a pass is independent of the index', () => {
    const { batch, window } = opened(mixed);
    const first = batch.nextOffset();
    expect(batch.count).toBe(4); // indexing in the middle of a pass does not move the pass
    expect(batch.offset(0)).toBe(first);
    expect(batch.bytes.buffer).toBe(window.buffer);
    expect(batch.bytes.byteOffset).toBe(window.byteOffset);
    expect(batch.record(1)).toEqual(window.subarray(batch.offset(1), batch.offset(1) + 16));
    expect(walk(batch).map(([k]) => k)).toEqual([2, 4, 5]);
  });

  it('stops both walks at the first BUSY record, and consumes only what is before it', () => {
    const busy: Spec[] = [{ length: 8 }, { length: 8 }, { length: 8, flags: BUSY }, { length: 8 }];
    const pass = opened(busy).batch;
    expect(walk(pass).map(([k]) => k)).toEqual([0, 1]);
    expect(pass.consumedBytes()).toBe(32);
    const byIndex = opened(busy).batch;
    expect(byIndex.count).toBe(2);
    expect(byIndex.bytes.length).toBe(32);
  });

  it('holds at most `limit` records, and a pass cut short still consumes the whole batch', () => {
    const many: Spec[] = Array.from({ length: 10 }, () => ({ length: 4 }));
    const partial = opened(many, 3).batch;
    expect(partial.nextOffset()).toBeGreaterThan(0);
    expect(partial.consumed).toBe(3); // the ring finishes the walk to find the batch's end
    expect(partial.consumedBytes()).toBe(3 * 16);
    expect(walk(opened(many, 3).batch)).toHaveLength(3);
    expect(opened(many, 3).batch.count).toBe(3);
  });

  it('consumes up to the first record left in the ring', () => {
    const { batch } = opened(mixed);
    batch.leaveInRing(2);
    expect(batch.consumed).toBe(2);
    expect(batch.consumedBytes()).toBe(batch.offset(2) - 8);
  });

  it('answers false for a window of discarded records only, and covers them', () => {
    const { window, words } = ringOf(
      [
        { length: 8, flags: DISCARD },
        { length: 2, flags: DISCARD },
      ],
      8,
    );
    const batch = new ReusableRecordBatch();
    expect(batch.open(window, 100, words, 8)).toBe(false);
    expect(batch.count).toBe(0);
    expect(batch.consumedBytes()).toBe(window.length);
  });

  it('answers in chunks the records a pass answers one by one, with any room for the chunk', () => {
    const expected = walk(opened(mixed).batch);
    for (const room of [1, 2, 3, 4, 256]) expect(walkInChunks(opened(mixed).batch, room)).toEqual(expected);
    const chunked = opened(mixed).batch;
    walkInChunks(chunked, 3);
    expect(chunked.consumed).toBe(4);
    expect(chunked.consumedBytes()).toBe(chunked.window.length);
  });

  it('keeps the length of the record a single offset answered, as lengthAt reads it', () => {
    const { batch } = opened(mixed);
    const lengths: number[] = [];
    for (let at = batch.nextOffset(); at >= 0; at = batch.nextOffset()) {
      expect(batch.passedLength).toBe(batch.lengthAt(at));
      lengths.push(batch.passedLength);
    }
    expect(lengths).toEqual([5, 16, 64, 1]);
  });

  it('mixes chunks with single offsets, each going on where the other stopped', () => {
    const { batch } = opened(mixed);
    const offsets = new Int32Array(2);
    expect(batch.nextOffsets(offsets)).toBe(2);
    const firstTwo = [batch.window[offsets[0]!], batch.window[offsets[1]!]];
    const third = batch.nextOffset();
    expect([...firstTwo, batch.window[third]]).toEqual([1, 2, 4]);
    expect(walkInChunks(batch, 8).map(([k]) => k)).toEqual([5]);
    expect(batch.nextOffsets(offsets)).toBe(0);
  });

  it('stops chunks at BUSY and at the limit, and an empty chunk array ends nothing', () => {
    const busy: Spec[] = [{ length: 8 }, { length: 8 }, { length: 8, flags: BUSY }, { length: 8 }];
    const stopped = opened(busy).batch;
    expect(walkInChunks(stopped, 8).map(([k]) => k)).toEqual([0, 1]);
    expect(stopped.consumedBytes()).toBe(32);
    const many: Spec[] = Array.from({ length: 10 }, () => ({ length: 4 }));
    const limited = opened(many, 3).batch;
    expect(limited.nextOffsets(new Int32Array(0))).toBe(0);
    expect(walkInChunks(limited, 2)).toHaveLength(3);
    expect(limited.consumedBytes()).toBe(3 * 16);
  });

  it('answers in runs the records a pass answers one by one, for any most records a run', () => {
    const expected = walk(opened(mixed).batch);
    for (const most of [1, 2, 3, 256, undefined])
      expect(walkInRuns(opened(mixed).batch, most)).toEqual(expected);
    const stepped = opened(mixed).batch;
    walkInRuns(stepped, 2);
    expect(stepped.consumed).toBe(4);
    expect(stepped.consumedBytes()).toBe(stepped.window.length);
  });

  it('cuts a run where the length changes, at a discarded record and at the most records asked for', () => {
    const layout: Spec[] = [
      { length: 12 }, // 24 bytes in the ring, data at 8
      { length: 12 },
      { length: 12 },
      { length: 12, flags: DISCARD },
      { length: 12 }, // data at 104
      { length: 13 }, // same span, another length: data at 128
      { length: 13 },
    ];
    expect(runsOf(opened(layout, 1000, 0).batch)).toEqual([
      [3, 8, 24, 12],
      [1, 104, 24, 12],
      [2, 128, 24, 13],
    ]);
    expect(runsOf(opened(layout, 1000, 0).batch, 2)).toEqual([
      [2, 8, 24, 12],
      [1, 56, 24, 12],
      [1, 104, 24, 12],
      [2, 128, 24, 13],
    ]);
    // 300 records of one length: runs of 256 by default
    const many = opened(
      Array.from({ length: 300 }, () => ({ length: 4 })),
      1000,
      0,
    ).batch;
    expect(runsOf(many).map(([count, start]) => [count, start])).toEqual([
      [256, 8],
      [44, 256 * 16 + 8],
    ]);
  });

  it('stops runs at BUSY and at the limit, and a run of no records ends nothing', () => {
    const busy: Spec[] = [{ length: 8 }, { length: 8 }, { length: 8, flags: BUSY }, { length: 8 }];
    const stopped = opened(busy).batch;
    expect(runsOf(stopped).map(([count]) => count)).toEqual([2]);
    expect(stopped.consumedBytes()).toBe(32);
    const many: Spec[] = Array.from({ length: 10 }, () => ({ length: 4 }));
    const limited = opened(many, 3).batch;
    expect(limited.nextRun(0)).toBe(0);
    expect(limited.nextRun(0.5)).toBe(0);
    expect(runsOf(limited, 2.5).map(([count]) => count)).toEqual([2, 1]);
    expect(limited.consumedBytes()).toBe(3 * 16);
  });

  it('mixes runs with single offsets and chunks, each going on where the other stopped', () => {
    const { batch } = opened(Array.from({ length: 6 }, () => ({ length: 8 })));
    expect(batch.nextOffset()).toBe(8);
    expect(batch.nextRun(2)).toBe(2);
    expect(batch.window[batch.runStart]).toBe(1);
    const offsets = new Int32Array(2);
    expect(batch.nextOffsets(offsets)).toBe(2);
    expect([batch.window[offsets[0]!], batch.window[offsets[1]!]]).toEqual([3, 4]);
    expect(walkInRuns(batch).map(([k]) => k)).toEqual([5]);
    expect(batch.nextRun()).toBe(0);
  });

  /** [first byte, length] of each record deliverEach hands over, through a record attached to `window` */
  function delivered(
    batch: ReusableRecordBatch,
    window: Uint8Array,
    onRecord?: (k: number) => void,
  ): number[][] {
    const record = new ReusableRingRecord();
    record.attach(window, new DataView(window.buffer, window.byteOffset, window.byteLength));
    const seen: number[][] = [];
    batch.deliverEach(record, 0, (r) => {
      seen.push([r.u8(0), r.length]);
      onRecord?.(r.u8(0));
    });
    return seen;
  }

  it('delivers one record at a time what a pass answers, leaving discarded ones out and covering the window', () => {
    const { batch, window } = opened(mixed);
    expect(delivered(batch, window)).toEqual(walk(opened(mixed).batch));
    expect(batch.consumed).toBe(4);
    expect(batch.walkedBytes()).toBe(window.length);
    expect(batch.consumedBytes()).toBe(window.length);
  });

  it('delivers up to BUSY and up to the limit, going on where a pass stopped', () => {
    const busy: Spec[] = [{ length: 8 }, { length: 8 }, { length: 8, flags: BUSY }, { length: 8 }];
    const atBusy = opened(busy);
    expect(delivered(atBusy.batch, atBusy.window).map(([k]) => k)).toEqual([0, 1]);
    expect(atBusy.batch.walkedBytes()).toBe(32);
    const many: Spec[] = Array.from({ length: 10 }, () => ({ length: 4 }));
    const limited = opened(many, 3);
    limited.batch.nextOffset();
    expect(delivered(limited.batch, limited.window).map(([k]) => k)).toEqual([1, 2]);
    expect(limited.batch.consumedBytes()).toBe(3 * 16);
  });

  it('ends after the callback that stops it, and counts a record whose callback throws as walked', () => {
    const many: Spec[] = Array.from({ length: 10 }, () => ({ length: 4 }));
    const stopped = opened(many);
    expect(delivered(stopped.batch, stopped.window, (k) => k === 2 && stopped.batch.stop())).toHaveLength(3);
    expect(stopped.batch.walkedBytes()).toBe(3 * 16);
    const thrown = opened(many);
    expect(() =>
      delivered(thrown.batch, thrown.window, (k) => {
        if (k === 4) throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(thrown.batch.walkedBytes()).toBe(5 * 16);
  });

  it('drops its views of the ring on release', () => {
    const { batch } = opened(mixed);
    batch.release();
    expect(batch.count).toBe(0);
    expect(batch.bytes.length).toBe(0);
    expect(batch.window.length).toBe(0);
    expect(batch.nextOffset()).toBe(-1);
  });
});
