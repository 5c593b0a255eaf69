/**
 * Byte ranges of a few KiB carved from shared slabs, as Node carves small Buffers from its pool:
 * on this kind of guest a new ArrayBuffer costs V8 2–3 µs (backing store, external-memory
 * accounting, sweeping) where copying 3 KiB into a slab costs well under one, and an open makes
 * several (fixed-up BTF, global data, .BTF.ext, the BTF type index). A pooled range is a plain
 * typed array over its own bytes: read it through byteOffset and byteLength, never its whole
 * `.buffer`, which other ranges share. A slab stays alive while any range in it does, and
 * structuredClone of a range clones its slab (once per clone, however many ranges it holds).
 */
const SLAB_SIZE = 64 * 1024;
/** Larger ranges get an ArrayBuffer of their own: a slab would hold too few of them. */
const POOLED_MOST = SLAB_SIZE / 8;
/** Each range starts 8-aligned, so any typed array can view it. */
const ALIGN = 8;

let slab: ArrayBuffer | undefined;
let used = 0;

/** `length` zero bytes that share no byte with any other range. */
export function pooledBytes(length: number): Uint8Array {
  if (length > POOLED_MOST) return new Uint8Array(length);
  // a new slab when this one is full, or was transferred (detached) with a range a caller held
  if (slab === undefined || used + length > SLAB_SIZE || slab.byteLength === 0) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  // a slab is zero when made and each byte is handed out once
  const range = new Uint8Array(slab, used, length);
  used = (used + length + ALIGN - 1) & -ALIGN;
  return range;
}

/** A copy of `bytes` that shares no byte with them or with any other range. */
export function pooledCopy(bytes: Uint8Array): Uint8Array {
  const copy = pooledBytes(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** `count` zero u32s in a pooled range (each range starts 8-aligned): for columns an open fills. */
export function pooledWords(count: number): Uint32Array {
  const bytes = pooledBytes(count * 4);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
}
