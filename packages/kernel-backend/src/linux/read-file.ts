import { fileSlabsAddon, type NativeAddon, nativeAddon } from './libc.js';

let readFile: NativeAddon['readFile'] | null;
let recycledSlab: (() => ArrayBuffer) | null | undefined;

/**
 * Small files are carved from shared slabs, as Node carves small Buffers from its pool and
 * core's pooledBytes carves copies: a new ArrayBuffer per file (backing store, external-memory
 * accounting, sweeping) cost a 20 KiB read about 1.5 µs of 5, and an open from a path about 1 µs.
 * A slab stays alive while any file in it does, so a kept spec may keep up to SLAB_SIZE; larger
 * files get an ArrayBuffer of their own, a slab holding too few of them.
 */
const SLAB_SIZE = 256 * 1024;
const POOLED_MOST = SLAB_SIZE / 8;
/** Each file starts 8-aligned, so any typed array can view it. */
const ALIGN = 8;

let slab: ArrayBuffer | undefined;
let used = 0;

/**
 * The bytes of the regular file at `path`, in bytes no other caller is handed, read with one
 * native call (the addon's readFile: open, fstat, read, close). From JavaScript each of those
 * syscalls costs Node a return from the kernel of its own: 11–12 µs against 16 µs through fs for
 * a 17 KiB object. A small file may share its ArrayBuffer with other files (read it through
 * byteOffset and byteLength, never its whole `.buffer`). Undefined when the addon is absent, the
 * file is not a plain regular file, or the read failed: the caller then reads it as it always
 * does, and reports any error with its code.
 */
export function readRegularFile(path: string): Uint8Array | undefined {
  if (readFile === undefined) readFile = nativeAddon()?.readFile ?? null;
  if (readFile === null) return undefined;
  // a new slab at first, and after a caller transferred (detached) the last one with its bytes
  if (slab === undefined || slab.byteLength === 0) {
    slab = newSlab();
    used = 0;
  }
  const result = readFile(path, slab, used, Math.min(SLAB_SIZE - used, POOLED_MOST));
  if (typeof result !== 'number') {
    // a buffer of its own: a large file, or a small one past what is left of the slab, which then
    // gives way to a new slab for the next file
    if (result.byteLength <= POOLED_MOST) {
      slab = undefined;
      used = 0;
    }
    return new Uint8Array(result);
  }
  if (result <= 0) return undefined;
  const bytes = new Uint8Array(slab, used, result);
  used = (used + result + ALIGN - 1) & -ALIGN;
  return bytes;
}

/**
 * A slab on memory a dead one gave back (the file-slab addon, native/file_slabs.cc), else a new
 * ArrayBuffer. New memory cost this kind of guest a page fault about every open: recycled slabs
 * took about 1 µs off an open of about 35 µs, and not zeroing them (each file overwrites its
 * range; a slab may show earlier files' bytes between and after its own, as Node's Buffer pool
 * may) about 1 µs more.
 */
function newSlab(): ArrayBuffer {
  if (recycledSlab === undefined) {
    const addon = fileSlabsAddon();
    recycledSlab = addon?.SLAB_SIZE === SLAB_SIZE ? addon.slab : null;
  }
  return recycledSlab === null ? new ArrayBuffer(SLAB_SIZE) : recycledSlab();
}
