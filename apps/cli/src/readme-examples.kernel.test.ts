import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

// Every code block of every README runs here, from the repository root's point of view (paths
// like fixtures/x.o resolve as a reader who cloned the repository would type them). TypeScript
// blocks run as modules; their `// prints: TEXT` comments are checked against what console.log
// printed. Shell blocks run their bpfkit commands in this process; only commands that leave the
// kernel alone may appear in a runnable block (inspect, load --dry-run, disasm, gen, --help).

const root = new URL('../../../', import.meta.url).pathname;
const skip = kernelSkipReason();

// The code blocks of the repository's READMEs, as the docs test runs them: extracted from the
// README text, never retyped. A block's info string says what it is: ```ts and ```sh blocks run;
// the word `illustration` (```c illustration, ```sh illustration) marks one that does not, and
// `checked-by=PATH` names another test file that runs it.

interface ReadmeBlock {
  /** README path from the repository root */
  readme: string;
  /** 1-based line of the opening fence */
  line: number;
  language: string;
  illustration: boolean;
  checkedBy?: string;
  code: string;
}

/** README.md of the root, of every package and of every app. */
function readmePaths(root: string): string[] {
  const inside = (dir: string) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${dir}/${e.name}/README.md`)
      .filter((path) => {
        try {
          readFileSync(join(root, path));
          return true;
        } catch {
          return false;
        }
      });
  return ['README.md', ...inside('packages'), ...inside('apps')];
}

function readmeBlocks(root: string, readme: string): ReadmeBlock[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const words = open[1]!.trim().split(/\s+/).filter(Boolean);
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const checkedBy = words.find((w) => w.startsWith('checked-by='))?.slice('checked-by='.length);
    blocks.push({
      readme,
      line: i + 1,
      language: words[0] ?? '',
      illustration: words.includes('illustration') || /<!--\s*illustration\s*-->/.test(lines[i - 1] ?? ''),
      ...(checkedBy ? { checkedBy } : {}),
      code: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

/** The commands of a shell block: `bpfkit ...`, `npx bpfkit ...` or `$ bpfkit ...` lines, comments cut. */
function shellCommands(code: string): { argv: string[]; line: string }[] {
  return code
    .split('\n')
    .map((line) => line.replace(/^\$ /, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ line, argv: shellWords(line.replace(/\s+#.*$/, '')) }));
}

/** Splits on spaces, keeping quoted words whole (what the READMEs use of sh). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** `// prints: TEXT` comments of a TypeScript block, in order: what its console.log calls print. */
function expectedPrints(code: string): string[] {
  return [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]!.trimEnd());
}

const run = mkdtempSync(join(root, '.readme-run-'));
for (const dir of ['fixtures', 'packages', 'apps']) symlinkSync(join(root, dir), join(run, dir));
afterAll(() => rmSync(run, { recursive: true, force: true }));

/** Runs `body` with the run directory as the working directory (the repository root's view). */
async function inRunDir<T>(body: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(run);
  try {
    return await body();
  } finally {
    process.chdir(before);
  }
}

/** What console.log prints, with objects as JSON (bigints as 5n), as the READMEs write it. */
function printed(args: unknown[]): string {
  return args
    .map((a) =>
      typeof a === 'string'
        ? a
        : typeof a === 'bigint'
          ? `${a}n`
          : typeof a === 'object' && a !== null
            ? JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
            : format(a),
    )
    .join(' ');
}

/** Commands that leave the kernel alone: the only ones a runnable shell block may hold. */
function isSafe(argv: readonly string[]): boolean {
  const [command, ...rest] = argv;
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version')) return true;
  return (
    command === 'inspect' ||
    command === 'disasm' ||
    command === 'gen' ||
    (command === 'load' && rest.includes('--dry-run'))
  );
}

const blocks = readmePaths(root).flatMap((readme) => readmeBlocks(root, readme));

describe('README code blocks', () => {
  it('every block runs here, is marked an illustration, or names the test that runs it', () => {
    expect(blocks.length).toBeGreaterThan(20);
    for (const block of blocks) {
      const where = `${block.readme}:${block.line}`;
      if (block.illustration) continue;
      if (block.checkedBy) {
        expect(existsSync(join(root, block.checkedBy)), `${where}: checked-by file`).toBe(true);
        expect(readFileSync(join(root, block.checkedBy), 'utf8'), where).toContain('README.md');
        continue;
      }
      expect(
        ['ts', 'sh'],
        `${where}: a \`\`\`${block.language} block must be ts or sh, or marked illustration`,
      ).toContain(block.language);
    }
  });
});

describe.skipIf(skip)(`README code blocks run${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // in README order, so a shell block's `gen types -o x.ts` is there for the TypeScript block after it
  for (const block of blocks.filter((b) => !b.illustration && !b.checkedBy)) {
    if (block.language === 'ts')
      it(`${block.readme}:${block.line} (ts) runs and prints what its comments say`, async () => {
        const file = join(run, `${block.readme.replaceAll('/', '-')}-${block.line}.ts`);
        writeFileSync(file, block.code);
        const lines: string[] = [];
        const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
          lines.push(...printed(args).split('\n'));
        });
        try {
          await inRunDir(() => import(/* @vite-ignore */ file));
        } finally {
          log.mockRestore();
        }
        // each `// prints:` line appears, in order
        let at = 0;
        for (const expected of expectedPrints(block.code)) {
          const found = lines.indexOf(expected, at);
          expect(found, `printed ${JSON.stringify(lines)}; expected ${expected}`).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
      });
    else if (block.language === 'sh')
      it(`${block.readme}:${block.line} (sh) runs every command`, async () => {
        for (const { argv, line } of shellCommands(block.code)) {
          const words = argv[0] === 'npx' ? argv.slice(1) : argv;
          expect(words[0], `${line}: runnable shell blocks hold bpfkit commands only`).toBe('bpfkit');
          expect(isSafe(words.slice(1)), `${line}: touches the kernel; mark the block illustration`).toBe(
            true,
          );
          const err: string[] = [];
          const code = await inRunDir(() => main(words.slice(1), { out: () => {}, err: (t) => err.push(t) }));
          expect(code, `${line}: ${err.join('\n')}`).toBe(0);
        }
      });
  }
});
