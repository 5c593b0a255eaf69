import { describe, expect, it } from 'vitest';
import { bufferView } from './buffer-view.js';

describe('bufferView', () => {
  it('views the whole buffer, so a range inside it is read at its byteOffset', () => {
    const buffer = new ArrayBuffer(64);
    const range = new Uint8Array(buffer, 24, 8);
    range.set([1, 2, 3, 4]);
    const view = bufferView(range.buffer);
    expect(view.byteOffset).toBe(0);
    expect(view.byteLength).toBe(64);
    expect(view.getUint32(range.byteOffset, true)).toBe(0x04030201);
  });

  it('gives the same view again while the buffer is among the few in use', () => {
    const a = new ArrayBuffer(16);
    const b = new ArrayBuffer(16);
    const first = bufferView(a);
    bufferView(b);
    expect(bufferView(a)).toBe(first);
    expect(bufferView(b)).not.toBe(first);
  });

  it('keeps no view of a buffer over 1 MiB, so its memory is not held', () => {
    const large = new ArrayBuffer((1 << 20) + 8);
    const view = bufferView(large);
    expect(view.byteLength).toBe(large.byteLength);
    expect(bufferView(large)).not.toBe(view);
  });

  it('keeps four buffers: the view of a fifth replaces the oldest', () => {
    const buffers = Array.from({ length: 5 }, () => new ArrayBuffer(8));
    const views = buffers.map((b) => bufferView(b));
    expect(bufferView(buffers[4]!)).toBe(views[4]);
    expect(bufferView(buffers[1]!)).toBe(views[1]);
    expect(bufferView(buffers[0]!)).not.toBe(views[0]);
  });
});
