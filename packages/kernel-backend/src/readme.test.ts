import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { kernelOk, kernelSkipReason } from './testing/kernel-gate.test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kernel-backend-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ```ts block after a README heading, with package imports pointed at this checkout. */
function example(heading: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
  return code
    .replace("'@bpfkit/kernel-backend'", source('./index.ts'))
    .replace("'@bpfkit/core'", source('../../core/src/index.ts'))
    .replace("'@bpfkit/asm'", source('../../asm/src/index.ts'));
}

async function printedBy(code: string, name: string): Promise<string[]> {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, code);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    log.mockRestore();
  }
  return printed;
}

it.skipIf(!kernelOk)(
  `the attach and events example runs and prints what its comment says ${kernelSkipReason}`,
  async () => {
    expect(await printedBy(example('## Attach and events'), 'attach')).toEqual(['tracepoint true']);
  },
);

it('the tc netlink example runs on the simulated kernel and prints what its comments say', async () => {
  expect(await printedBy(example('### tc without tcx'), 'tc-netlink')).toEqual(['tc 49152 true', '0']);
});
