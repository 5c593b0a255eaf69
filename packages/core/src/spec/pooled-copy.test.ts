import { describe, expect, it } from 'vitest';
import { pooledBytes, pooledCopy } from './pooled-copy.js';

describe('pooled byte ranges', () => {
  it('copies bytes into ranges that share no byte with their source or each other', () => {
    const source = Uint8Array.from([1, 2, 3, 4, 5]);
    const first = pooledCopy(source);
    const second = pooledCopy(source);
    expect([...first]).toEqual([1, 2, 3, 4, 5]);
    first[0] = 9;
    second[4] = 8;
    expect([...source]).toEqual([1, 2, 3, 4, 5]);
    expect([...first]).toEqual([9, 2, 3, 4, 5]);
    expect([...second]).toEqual([1, 2, 3, 4, 8]);
    // small ranges come from one slab, each at its own offset
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBeGreaterThanOrEqual(first.byteOffset + first.byteLength);
  });

  it('starts every range 8-aligned and zeroed, so any typed array can view it', () => {
    pooledBytes(3);
    const range = pooledBytes(16);
    expect(range.byteOffset % 8).toBe(0);
    expect([...range].every((b) => b === 0)).toBe(true);
    expect(new BigUint64Array(range.buffer, range.byteOffset, 2)).toHaveLength(2);
  });

  it('gives large ranges an ArrayBuffer of their own', () => {
    const large = pooledCopy(new Uint8Array(100_000).fill(7));
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(100_000);
    expect(large[99_999]).toBe(7);
  });

  it('starts a new slab when a caller transferred the current one away with its range', () => {
    const held = pooledBytes(64);
    structuredClone(held.buffer, { transfer: [held.buffer as ArrayBuffer] });
    expect(held.buffer.byteLength).toBe(0);
    const next = pooledCopy(Uint8Array.from([1, 2, 3]));
    expect([...next]).toEqual([1, 2, 3]);
  });

  it('starts a new slab when the current one is full', () => {
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 40; i++) buffers.add(pooledBytes(4096).buffer);
    expect(buffers.size).toBeGreaterThan(1);
  });
});
