import { UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { ReusableRingRecord } from './ring-record.js';

/** A ring's data area stand-in: the record's bytes at offset 24 of 64. */
function pointedRecord(): { record: ReusableRingRecord; bytes: Uint8Array } {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(24, 0x1122_3344_5566_7788n, true);
  view.setUint32(32, 0xfffffffe, true);
  const record = new ReusableRingRecord();
  record.attach(bytes, view);
  record.moveTo(24, 12);
  return { record, bytes };
}

describe('RingRecord', () => {
  it('reads host-order integers at offsets inside the record', () => {
    const { record } = pointedRecord();
    expect(record.length).toBe(12);
    expect(record.u8(0)).toBe(0x88);
    expect(record.u16(6)).toBe(0x1122);
    expect(record.u32(0)).toBe(0x5566_7788);
    expect(record.u64(0)).toBe(0x1122_3344_5566_7788n);
    expect(record.u32(8)).toBe(0xffff_fffe);
    expect(record.i32(8)).toBe(-2);
  });

  it('refuses reads that reach past the record, rather than answering the next record', () => {
    const { record } = pointedRecord();
    expect(() => record.u32(9)).toThrow(RangeError);
    expect(() => record.u64(8)).toThrow(/8 bytes at 8 is outside its 12 bytes/);
    expect(() => record.u8(12)).toThrow(RangeError);
    expect(() => record.u16(-1)).toThrow(RangeError);
  });

  it('copy() keeps the bytes, view() shares them with the ring', () => {
    const { record, bytes } = pointedRecord();
    const copy = record.copy();
    const view = record.view();
    bytes[24] = 0;
    expect(copy[0]).toBe(0x88);
    expect(view[0]).toBe(0);
    expect(copy.length).toBe(12);
    expect(view.buffer).toBe(bytes.buffer);
  });

  it('throws a UsageError naming copy() for any read once released', () => {
    const { record } = pointedRecord();
    const copy = record.copy();
    record.release();
    for (const read of [() => record.u8(0), () => record.u64(0), () => record.copy(), () => record.view()]) {
      expect(read).toThrow(UsageError);
    }
    expect(() => record.u32(0)).toThrow(/a 32-bit read of a ring buffer record after the callback/);
    try {
      record.u32(0);
    } catch (error) {
      expect((error as UsageError).hint).toMatch(/record\.copy\(\)/);
    }
    expect(copy.length).toBe(12);
  });
});
