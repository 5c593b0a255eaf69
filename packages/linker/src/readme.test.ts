import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { fixturesDir } from './fixtures.test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'linker-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the README example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  // Point the example's package import and fixture path at this checkout.
  const runnable = code
    .replace("'@bpfkit/linker'", JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url))))
    .replace('`fixtures/', `\`${fixturesDir}`);
  const file = join(dir, 'example.ts');
  writeFileSync(file, runnable);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  expect(lines).toEqual(['true little-endian', 'set_out_b funcs_a.bpfel.o vs mismatch.bpfel.o']);
});
