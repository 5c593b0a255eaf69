import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instructionCount, removeInstructions, UsageError } from '@bpfkit/core';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoader } from '../container.js';

const here = (name: string) => new URL(name, import.meta.url).pathname;
const object = here('fixtures/shared_pin.bpfel.o');
const programs = ['count_first', 'count_second', 'count_third'];
const skip = kernelSkipReason('bpftool');

interface Run {
  signal: NodeJS.Signals | null;
  outcome?: { ok: boolean; steps?: number; name?: string };
}

/** Runs one loader process (the built packages) that kills itself after pin step `killAfter`. */
function runLoader(pinRoot: string, pinDir: string, killAfter: number, mode: 'keep' | 'replace' = 'keep') {
  const argv = [here('pin-kill.child.mjs'), object, pinRoot, pinDir, `${killAfter}`, mode];
  return new Promise<Run>((resolve) => {
    const child = execFile(process.execPath, argv, { encoding: 'utf8' }, (_error, stdout) => {
      const line = stdout.trim();
      resolve({ signal: child.signalCode, ...(line ? { outcome: JSON.parse(line) } : {}) });
    });
  });
}

const pinnedProgramId = (path: string) =>
  JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', path], { encoding: 'utf8' }))
    .id as number;

describe.skipIf(skip)(`pins after a kill at every pin step${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bpffs: ReturnType<typeof mountBpffs>;
  beforeAll(() => {
    bpffs = mountBpffs();
  });
  afterAll(() => bpffs?.unmount());

  it('never leaves a half set: the next run succeeds (with replace only over a complete set)', async () => {
    // steps: the map pin, three program pins into staging, one rename into place; one directory
    // tree per kill point, so the processes run side by side
    const STEPS = 5;
    const trees = Array.from({ length: STEPS + 1 }, (_, i) => join(bpffs.dir, `run${i}`));
    const pinRoot = (tree: string) => join(tree, 'maps');
    const pinDir = (tree: string) => join(tree, 'progs', 'shared_pin');
    const first = await Promise.all(trees.map((t, killAfter) => runLoader(pinRoot(t), pinDir(t), killAfter)));
    expect(first[0]!.outcome).toMatchObject({ ok: true, steps: STEPS });
    for (let killAfter = 1; killAfter <= STEPS; killAfter++) {
      expect(first[killAfter]!.signal).toBe('SIGKILL');
      const dir = pinDir(trees[killAfter]!);
      // the set appears whole or not at all
      expect(existsSync(dir) ? readdirSync(dir).sort() : []).toEqual(killAfter < STEPS ? [] : programs);
    }
    const rerun = await Promise.all(trees.slice(1).map((t) => runLoader(pinRoot(t), pinDir(t), 0)));
    for (let killAfter = 1; killAfter < STEPS; killAfter++) {
      expect(rerun[killAfter - 1]!.outcome).toMatchObject({ ok: true });
    }
    // over a complete earlier set, replacing is an explicit choice
    expect(rerun[STEPS - 1]!.outcome).toMatchObject({ ok: false, name: 'PinConflictError' });
    const last = trees[STEPS]!;
    expect((await runLoader(pinRoot(last), pinDir(last), 0, 'replace')).outcome).toMatchObject({ ok: true });
    for (const tree of trees) {
      expect(readdirSync(pinDir(tree)).sort()).toEqual(programs);
      expect(readdirSync(join(tree, 'progs'))).toEqual(['shared_pin']);
      for (const name of programs) expect(pinnedProgramId(join(pinDir(tree), name))).toBeGreaterThan(0);
    }
    // 12 node processes: ~15 s on the host, over 2 min in the 6.1 lane's emulated guest
  }, 600_000);

  it('refuses a regular file or a pin as pin dir with a UsageError, leaving nothing behind', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'bpfkit-pin-file-'));
    const file = join(scratch, 'a_file');
    writeFileSync(file, '');
    const loader = createLoader();
    const loaded = await loader.load(loader.open(object), { pinRoot: join(bpffs.dir, 'file_case') });
    try {
      const pin = join(bpffs.dir, 'file_case', 'shared_counts');
      for (const path of [file, join(file, 'below'), pin]) {
        expect(() => loaded.pinPrograms(path)).toThrow(UsageError);
      }
      expect(readdirSync(scratch)).toEqual(['a_file']);
      expect(readdirSync(join(bpffs.dir, 'file_case'))).toEqual(['shared_counts']);
    } finally {
      loaded.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a failed load removes the pin directories it created, deepest first', async () => {
    const loader = createLoader();
    const spec = loader.open(object);
    // a program the verifier refuses, after the map was pinned under a new directory tree
    const code = spec.programs[2]!.instructions;
    spec.programs[2]!.instructions = removeInstructions(code, 1, instructionCount(code) - 1);
    mkdirSync(join(bpffs.dir, 'kept'));
    const pinRoot = join(bpffs.dir, 'kept', 'new', 'deeper');
    await expect(loader.load(spec, { pinRoot })).rejects.toThrow();
    expect(readdirSync(join(bpffs.dir, 'kept'))).toEqual([]);
  });
});
