import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfCallPath, fileSlabsAddon } from './libc.js';
import { readRegularFile } from './read-file.js';

describe('readRegularFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-read-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // One test for both paths: CI counts a skipped test as one that did not run.
  it('reads a regular file whole with the addon (small ones into shared slabs), and leaves everything else (and everything without it) to fs', () => {
    const path = join(dir, 'object.o');
    const data = new Uint8Array(70_001).map((_, i) => (i * 7) & 0xff);
    writeFileSync(path, data);
    const read = readRegularFile(path);
    if (bpfCallPath() === 'koffi') {
      expect(read).toBeUndefined();
      return;
    }
    expect(read).toEqual(new Uint8Array(readFileSync(path)));
    expect(read!.buffer.byteLength).toBe(data.length); // a large file: a buffer of its own, exactly the file

    // small files share slabs: each one whole, 8-aligned, and overlapping no other in its slab,
    // through more files than one slab holds
    const small: Uint8Array[] = [];
    for (let i = 0; i < 24; i++) {
      const file = join(dir, `small-${i}.o`);
      writeFileSync(file, new Uint8Array(20_001 + i).fill(i + 1));
      small.push(readRegularFile(file)!);
    }
    small.forEach((bytes, i) => {
      expect(bytes.length).toBe(20_001 + i);
      expect(bytes.every((b) => b === i + 1)).toBe(true);
      expect(bytes.byteOffset % 8).toBe(0);
    });
    const slabs = new Set(small.map((bytes) => bytes.buffer));
    expect(slabs.size).toBeGreaterThan(1);
    expect(slabs.size).toBeLessThan(small.length);
    for (const [i, a] of small.entries()) {
      for (const b of small.slice(i + 1)) {
        if (a.buffer !== b.buffer) continue;
        const apart = a.byteOffset + a.length <= b.byteOffset || b.byteOffset + b.length <= a.byteOffset;
        expect(apart).toBe(true);
      }
    }
    // a caller may transfer a file's buffer away (detaching the slab): the next read takes a new one
    const last = small.at(-1)!;
    expect(last.byteOffset).toBeGreaterThan(0); // in a slab, after other files
    structuredClone(last.buffer, { transfer: [last.buffer as ArrayBuffer] });
    expect(last.buffer.byteLength).toBe(0);
    const after = readRegularFile(join(dir, 'small-0.o'))!;
    expect(after.length).toBe(20_001);
    expect(after.every((b) => b === 1)).toBe(true);
    writeFileSync(join(dir, 'empty.o'), new Uint8Array(0));
    // what fs reads instead: a missing file (fs says ENOENT), a directory, an empty file, and a
    // file whose size stat does not tell (procfs reports 0)
    for (const other of [join(dir, 'missing.o'), dir, join(dir, 'empty.o'), '/proc/self/status']) {
      expect(readRegularFile(other)).toBeUndefined();
    }
  });

  it("gives a dead slab's memory to the next slab where the file-slab addon is built", async () => {
    const addon = fileSlabsAddon();
    if (addon === undefined) {
      // Not built (no C++ compiler or Node headers) or switched off: slabs are new ArrayBuffers.
      // CI (BPFKIT_REQUIRE_KERNEL=1) installs a C++ compiler: there a missing build is a failure.
      const expected = process.env.BPFKIT_REQUIRE_KERNEL === '1' && process.env.BPFKIT_NATIVE !== '0';
      expect(expected, 'the file-slab addon was not built (native/build/file_slabs.node)').toBe(false);
      return;
    }
    expect(addon.SLAB_SIZE).toBe(256 * 1024);
    const before = addon.keptSlabs();
    // made and marked in a function of their own, so no reference outlives it
    const markedSlabs = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const slab = addon.slab();
        expect(slab.byteLength).toBe(addon.SLAB_SIZE);
        new Uint8Array(slab).fill(0xab);
      }
    };
    markedSlabs(4);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // V8 frees dead backing stores during or shortly after a full collection, maybe on another thread
    for (let tries = 0; tries < 50 && addon.keptSlabs() < before + 4; tries++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const kept = addon.keptSlabs();
    expect(kept).toBeGreaterThanOrEqual(before + 4);
    // every kept slab comes back, the marked ones with their bytes as left (recycled memory, not new)
    const reused = Array.from({ length: kept }, () => addon.slab());
    // fewer wait now (V8's sweeper may still be handing back other dead slabs, so not always none)
    expect(addon.keptSlabs()).toBeLessThan(kept);
    const marked = reused.filter((slab) => new Uint8Array(slab).every((b) => b === 0xab));
    expect(marked.length).toBeGreaterThanOrEqual(4);
  });
});
