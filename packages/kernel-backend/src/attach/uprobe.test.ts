import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ProgramType } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import {
  countingProgram,
  createCounter,
  hasCommand,
  loadBuilt,
  readCounter,
  requireFeature,
} from '../testing/attach.test-helpers.js';
import { kernelOk, linuxBackend } from '../testing/kernel-gate.test-helpers.js';
import { functionFileOffset } from './elf-symbols.js';
import { attachUprobe } from './probes.js';

const usable = kernelOk && hasCommand('cc');
requireFeature(usable, 'the uprobe test compiles its target with cc');

const targetSource = `
#include <stdlib.h>
#include <stdio.h>
__attribute__((noinline)) int bpfkit_probed(int x) { __asm__ volatile(""); return x + 1; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]), sum = 0;
  for (int i = 0; i < n; i++) sum += bpfkit_probed(i);
  printf("%d\\n", sum);
  return 0;
}
`;

describe.skipIf(!usable)('uprobe', () => {
  const backend = usable ? linuxBackend() : undefined!;
  let dir: string;
  let binary: string;
  let counter: Fd;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfkit-uprobe-'));
    binary = join(dir, 'target');
    writeFileSync(join(dir, 'target.c'), targetSource);
    execFileSync('cc', ['-O1', '-o', binary, join(dir, 'target.c')]);
    counter = createCounter(backend);
  });
  afterAll(() => {
    counter?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds a function file offset the way nm and the section table give it', () => {
    const offset = functionFileOffset(readFileSync(binary), 'bpfkit_probed', binary);
    const nm = execFileSync('nm', [binary], { encoding: 'utf8' });
    const address = Number.parseInt(/^([0-9a-f]+) T bpfkit_probed$/m.exec(nm)![1]!, 16);
    // a PIE's .text is mapped at the same offset it has in the file
    expect(offset).toBe(address);
    expect(() => functionFileOffset(readFileSync(binary), 'no_such_function', binary)).toThrow(NotFoundError);
  });

  it.each([
    ['uprobe', false],
    ['uretprobe', true],
  ])('a %s counts every call of the function', (_kind, retprobe) => {
    using program = loadBuilt(backend, countingProgram(0), { type: ProgramType.KPROBE }, { counter });
    const before = readCounter(backend, counter);
    {
      using link = attachUprobe(backend, program, binary, 'bpfkit_probed', { retprobe });
      expect(link.kind).toBe('uprobe');
      expect(execFileSync(binary, ['25'], { encoding: 'utf8' }).trim()).toBe(String((25 * 26) / 2));
      expect(readCounter(backend, counter) - before).toBe(25n);
    }
    execFileSync(binary, ['5']);
    expect(readCounter(backend, counter) - before).toBe(25n);
  });
});
