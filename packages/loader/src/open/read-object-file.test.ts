import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@bpfkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readObjectFile } from './read-object-file.js';

describe('readObjectFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns exactly the file bytes, shared with no other read, for small and large files', () => {
    const sizes = [0, 1, 20_000, 20_003, 256 * 1024, 700_001];
    const results = sizes.map((size) => {
      const path = join(dir, `f${size}`);
      const data = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
      writeFileSync(path, data);
      return { path, bytes: readObjectFile(path) };
    });
    for (const { path, bytes } of results) {
      expect(bytes).toEqual(new Uint8Array(readFileSync(path)));
      // a large file has a buffer of its own; small ones may share one, each with its own range
      if (bytes.length > 64 * 1024) expect(bytes.buffer.byteLength).toBe(bytes.length);
    }
    for (const [i, { bytes: a }] of results.entries()) {
      for (const { bytes: b } of results.slice(i + 1)) {
        const apart =
          a.buffer !== b.buffer ||
          a.byteOffset + a.length <= b.byteOffset ||
          b.byteOffset + b.length <= a.byteOffset;
        expect(apart).toBe(true);
      }
    }
  });

  it('says which path it cannot read', () => {
    const missing = join(dir, 'missing.o');
    expect(() => readObjectFile(missing)).toThrow(UsageError);
    expect(() => readObjectFile(missing)).toThrow(`cannot read ${missing}: ENOENT`);
    expect(() => readObjectFile(dir)).toThrow(/EISDIR/);
  });
});
