// The spec bytes bpfkit writes for each probe of the gcc-built target, compared with what libbpf's
// bpf_program__attach_usdt writes into __bpf_usdt_specs for the same object, binary and cookies
// (the C oracle in fixtures/libbpf-usdt-oracle.c, built here against Debian's libbpf).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFeature } from '../../testing/attach.test-helpers.js';
import { kernelOk } from '../../testing/kernel-gate.test-helpers.js';
import { readHostElf } from '../host-elf.js';
import { encodeUsdtSpec } from './usdt-spec.js';
import { buildUsdtTarget, usdtTargetBuildProblem } from './usdt-target.test-helpers.js';
import { usdtTargets } from './usdt-targets.js';

const fixture = (name: string) => new URL(`../../../../../fixtures/${name}`, import.meta.url).pathname;

function problem(): string | undefined {
  if (!kernelOk) return 'the bpf() syscall is not usable here';
  if (!existsSync('/usr/include/bpf/libbpf.h')) return 'libbpf-dev is not installed';
  return usdtTargetBuildProblem();
}
const skip = problem();
requireFeature(skip === undefined, `the libbpf USDT oracle cannot run: ${skip}`);

describe.skipIf(skip !== undefined)(`USDT specs against libbpf${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let binary: string;
  const theirs = new Map<number, string>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-oracle-'));
    binary = buildUsdtTarget(dir);
    const oracle = join(dir, 'oracle');
    execFileSync('cc', ['-O1', '-o', oracle, fixture('libbpf-usdt-oracle.c'), '-lbpf'], { stdio: 'pipe' });
    const text = execFileSync(
      oracle,
      [
        fixture('usdt_args.bpfel.o'),
        ...['usdt_args', binary, 'bpfkit', 'args', '0x1234'],
        ...['usdt_guarded', binary, 'bpfkit', 'guarded', '7'],
        ...['usdt_twelve', binary, 'bpfkit', 'twelve', '0xffffffffffffffff'],
      ],
      { encoding: 'utf8' },
    );
    for (const match of text.matchAll(/^spec (\d+) ([0-9a-f]+)$/gm)) theirs.set(Number(match[1]), match[2]!);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same __bpf_usdt_specs value as libbpf for every probe', () => {
    const elf = readHostElf(readFileSync(binary), binary);
    const ours = (name: string, cookie: bigint) => {
      const [target] = usdtTargets(elf, 'bpfkit', name, { bpfCookie: true });
      return Buffer.from(encodeUsdtSpec({ args: target!.args, cookie })).toString('hex');
    };
    // libbpf hands out spec ids in attach order: 0 for args, 1 for guarded, 2 for twelve
    expect(theirs.size).toBe(3);
    expect(ours('args', 0x1234n)).toBe(theirs.get(0));
    expect(ours('guarded', 7n)).toBe(theirs.get(1));
    expect(ours('twelve', -1n)).toBe(theirs.get(2));
  });
});
