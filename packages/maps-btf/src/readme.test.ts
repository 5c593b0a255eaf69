import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'maps-btf-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the README example runs and prints what its comments say', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  // Point the example's package imports and fixture paths at this checkout.
  const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
  const runnable = code
    .replace("'@bpfkit/maps-btf'", source('./index.ts'))
    .replace("'@bpfkit/core'", source('../../core/src/index.ts'))
    .replace("'@bpfkit/elf-reader'", source('../../elf-reader/src/index.ts'))
    .replaceAll(
      "'packages/maps-btf/src/fixtures/",
      `'${fileURLToPath(new URL('./fixtures/', import.meta.url))}`,
    );
  const file = join(dir, 'example.ts');
  writeFileSync(file, runnable);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(
      args
        .map((arg) =>
          typeof arg === 'string' || typeof arg === 'number'
            ? String(arg)
            : JSON.stringify(arg, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
        )
        .join(' '),
    );
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  expect(printed).toEqual([
    '3 4 0 -> prog_a, 2 -> prog_b',
    '16384',
    '{"max_packets":1000,"port":9090,"enabled":1,"offset":"-5n"}',
  ]);
});
