import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'asm-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the README example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const runnable = code.replace(
    "'@bpfkit/asm'",
    JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url))),
  );
  const file = join(dir, 'example.ts');
  writeFileSync(file, runnable);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  // The listing the comments show after the first console.log, without the comment markers.
  const listing = code
    .slice(code.indexOf('console.log(disassembleProgram'))
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('//'))
    .map((line) => line.slice(3));
  const firstListing = listing.slice(0, listing.findIndex((line) => line.includes('exit')) + 1);
  expect(printed[0]!.split('\n')).toEqual(firstListing);
  expect(printed[1]).toBe('[{"kind":"map-fd","instruction":3,"map":"counters"}]');
  expect(printed[2]).toBe('11');
});
