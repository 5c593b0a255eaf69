import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { cloneSpecData } from './clone-data.js';

describe('cloneSpecData', () => {
  it('copies objects, arrays, Maps, Sets, bigints and typed arrays, equal and apart', () => {
    const original = {
      name: 'prog',
      value: 7n,
      list: [1, { deep: 'yes' }],
      references: new Map([[3, { kind: 'map-fd', map: 'counts' }]]),
      names: new Set(['a', 'b']),
      words: Uint32Array.of(1, 2, 3),
      missing: undefined,
    };
    const copy = cloneSpecData(original);
    expect(copy).toEqual(original);
    expect(copy).toStrictEqual(structuredClone(original));
    copy.references.get(3)!.map = 'other';
    copy.words[0] = 9;
    (copy.list[1] as { deep: string }).deep = 'no';
    expect(original.references.get(3)!.map).toBe('counts');
    expect(original.words[0]).toBe(1);
    expect(original.list[1]).toEqual({ deep: 'yes' });
  });

  it('copies a typed array by its own bytes, where structuredClone copies the whole buffer', () => {
    const slab = new ArrayBuffer(256 * 1024);
    const bytes = new Uint8Array(slab, 4096, 16).fill(5);
    const view = new DataView(slab, 8, 8);
    view.setUint32(0, 0xdeadbeef, true);
    const copy = cloneSpecData({ bytes, view });
    expect(copy.bytes.byteLength).toBe(16);
    expect([...copy.bytes]).toEqual(new Array(16).fill(5));
    expect(copy.bytes.buffer).not.toBe(slab);
    expect(copy.bytes.buffer.byteLength).toBeLessThan(slab.byteLength);
    expect(copy.view.byteLength).toBe(8);
    expect(copy.view.getUint32(0, true)).toBe(0xdeadbeef);
    const words = cloneSpecData(new Uint32Array(slab, 1024, 3).fill(0xffffffff));
    expect(words).toBeInstanceOf(Uint32Array);
    expect([...words]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
    const fromBuffer = cloneSpecData(Buffer.from([1, 2, 3]));
    expect(Object.getPrototypeOf(fromBuffer)).toBe(Uint8Array.prototype);
    expect([...fromBuffer]).toEqual([1, 2, 3]);
    expect(structuredClone({ bytes }).bytes.buffer.byteLength).toBe(256 * 1024);
  });

  it('copies a value met twice once, and follows cycles, as structuredClone does', () => {
    const shared = { id: 1 };
    const cyclic: { self?: unknown; shared: object; again: object } = { shared, again: shared };
    cyclic.self = cyclic;
    const copy = cloneSpecData(cyclic);
    expect(copy.shared).toBe(copy.again);
    expect(copy.shared).not.toBe(shared);
    expect(copy.self).toBe(copy);
  });

  it('refuses a function, which no spec can hold', () => {
    expect(() => cloneSpecData({ run: () => 1 })).toThrow(UsageError);
  });
});
