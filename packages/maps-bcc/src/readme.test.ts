import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { kernelOk, kernelSkipReason } from './testing/kernel-gate.test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'maps-bcc-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.skipIf(!kernelOk)(
  `the README example loads the fixture and prints what its comments say${kernelOk ? '' : ` (skipped: ${kernelSkipReason})`}`,
  async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    // Point the example's package imports and fixture path at this checkout.
    const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
    const runnable = code
      .replace("'@bpfkit/maps-bcc'", source('./index.ts'))
      .replace("'@bpfkit/core'", source('../../core/src/index.ts'))
      .replace("'@bpfkit/loader'", source('../../loader/src/index.ts'))
      .replace(
        "'packages/maps-bcc/src/fixtures/",
        `'${fileURLToPath(new URL('./fixtures/', import.meta.url))}`,
      );
    const file = join(dir, 'example.ts');
    writeFileSync(file, runnable);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual([
      'proto_packets:hash:256 last_len:hash:64 proto_bytes:array:256 cpu_packets:percpu_array:1 events:perf_event_array:0 jump_table:prog_array:4 pinned_totals:hash:16',
      'UDP packets: 1',
    ]);
  },
);
