/**
 * DataViews over whole ArrayBuffers, kept for the few buffers in use. A DataView is made by a C++
 * builtin in V8: 70–145 ns on this kind of guest, where a typed array takes 25–40 ns, and an open
 * made nine (string tables, BTF header and strings, the DATASEC patch, each code section), all
 * over two or three buffers (the file's slab, the pooled copies). A reader asks for its bytes'
 * buffer and adds their byteOffset to every position.
 */
const KEPT = 4;
/** Buffers above this size get a view of their own each time: keeping one would pin its memory. */
const KEPT_MOST = 1 << 20;

const buffers: (ArrayBufferLike | undefined)[] = new Array(KEPT).fill(undefined);
const views: (DataView | undefined)[] = new Array(KEPT).fill(undefined);
let next = 0;

/** A DataView over the whole of `buffer` (read `bytes` at `bytes.byteOffset + i`). */
export function bufferView(buffer: ArrayBufferLike): DataView {
  for (let i = 0; i < KEPT; i++) if (buffers[i] === buffer) return views[i]!;
  const view = new DataView(buffer);
  if (buffer.byteLength <= KEPT_MOST) {
    buffers[next] = buffer;
    views[next] = view;
    next = (next + 1) % KEPT;
  }
  return view;
}
