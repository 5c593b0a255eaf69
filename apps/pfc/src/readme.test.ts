import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { kernelSkipReason } from './testing/kernel.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const skip = kernelSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'pfc-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Splits a shell command line on spaces, keeping single-quoted words whole (enough for the README). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The `$ bpfkit-pfc ...` commands of the README's console block, with the lines printed after each. */
function consoleExamples(): { argv: string[]; output: string[] }[] {
  const block = /## Command line\n\n```[^\n]*\n([\s\S]*?)```/.exec(readme)![1]!;
  const examples: { argv: string[]; output: string[] }[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ bpfkit-pfc ')) {
      examples.push({ argv: shellWords(line.slice(2).replace(/\s+#.*$/, '')).slice(1), output: [] });
    } else if (line !== '') examples.at(-1)!.output.push(line);
  }
  return examples;
}

describe('the README', () => {
  for (const { argv, output } of consoleExamples()) {
    const needsKernel = argv[0] === 'test';
    it.skipIf(needsKernel && skip)(`prints what it shows for: bpfkit-pfc ${argv.join(' ')}`, async () => {
      const lines: string[] = [];
      const io = {
        out: (t: string) => lines.push(...t.split('\n')),
        err: (t: string) => lines.push(...t.split('\n')),
      };
      const code = await main(argv, io);
      expect(code).toBe(lines[0]?.startsWith('bpfkit-pfc:') ? 2 : 0);
      if (output.length > 0) expect(lines).toEqual(output);
    });
  }

  it.skipIf(skip)(
    `library example runs and prints what its comments say${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
      const file = join(dir, 'example.ts');
      writeFileSync(
        file,
        code
          .replace("'@bpfkit/pfc'", JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url))))
          .replace("'@bpfkit/loader'", JSON.stringify(fileURLToPath(import.meta.resolve('@bpfkit/loader')))),
      );
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      });
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        log.mockRestore();
      }
      const expected = code
        .split('\n')
        .filter((line) => line.startsWith('// prints: '))
        .map((line) => line.slice('// prints: '.length));
      expect(printed).toEqual(expected);
    },
  );
});
