import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelError, NotSupportedError, type ProgramSpec } from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadedObject } from './live/loaded-object.js';
import { bpfLsmActive, hasKprobes, trampolineRefusal } from './testing/kernel-probes.js';

// kprobe, kretprobe, fentry, fexit and fmod_ret on security_file_open, and lsm/file_open, each
// proven by an effect seen from user space on a kernel that has them (the Debian 6.1 lane), and
// each refused with a clear error on a kernel that lacks them (this project's 6.18: no
// CONFIG_KPROBES, no BPF trampolines). What to expect comes from probes of the running kernel.
const fixture = new URL('../../../fixtures/tracing_kinds.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();
const TIMES = 5;

/** Opens and closes a file; the errno code when the open fails ('ok' when it does not). */
function openResult(path: string): string {
  try {
    closeSync(openSync(path, 'r'));
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function errorOfAsync(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** The refusal of a kernel without trampolines, as the loader reports it for fentry/fexit/fmod_ret/lsm. */
function expectTrampolineRefusal(error: unknown, program: string): void {
  expect(error).toBeInstanceOf(KernelError);
  expect((error as KernelError).message).toContain(
    'this kernel refused the trampoline program type (fentry/fexit/lsm need BPF trampolines)',
  );
  expect((error as KernelError).message).toContain(program);
}

describe.skipIf(skip)(`kernel-function tracing kinds${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const loader = createLoader();
  const spec = loader.open(fixture);
  let dir: string;
  let plain: string;
  let marked: string;
  let markedIno: bigint;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfkit-tracing-kinds-'));
    plain = join(dir, 'plain');
    marked = join(dir, 'marked');
    writeFileSync(plain, 'plain');
    writeFileSync(marked, 'marked');
    markedIno = statSync(marked, { bigint: true }).ino;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Loads only the named programs of the fixture, with target_tgid set to this process. */
  async function loadOnly(...names: string[]): Promise<LoadedObject> {
    const loaded = await loader.load(spec, { select: (p: ProgramSpec) => names.includes(p.name) });
    loaded.writeVariable('target_tgid', process.pid);
    return loaded;
  }

  function openTimes(path: string, n: number): void {
    for (let i = 0; i < n; i++) expect(openResult(path)).toBe('ok');
  }

  it('kprobe and kretprobe count the opens this process makes, until detached', async () => {
    using loaded = await loadOnly('count_kprobe', 'count_kretprobe');
    if (!hasKprobes()) {
      const error = errorOf(() => loaded.program('count_kprobe').attach());
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as NotSupportedError).feature).toBe('kprobe (CONFIG_KPROBES)');
      return;
    }
    const links = [loaded.program('count_kprobe').attach(), loaded.program('count_kretprobe').attach()];
    expect(links.map((l) => l.target)).toEqual([
      'kprobe security_file_open+0',
      'kretprobe security_file_open+0',
    ]);
    openTimes(plain, TIMES);
    const kprobeHits = loaded.readVariable('kprobe_hits') as bigint;
    const kretprobeHits = loaded.readVariable('kretprobe_hits') as bigint;
    expect(kprobeHits).toBeGreaterThanOrEqual(BigInt(TIMES));
    expect(kretprobeHits).toBeGreaterThanOrEqual(BigInt(TIMES));
    for (const link of links) link.close();
    openTimes(plain, TIMES);
    expect(loaded.readVariable('kprobe_hits')).toBe(kprobeHits);
    expect(loaded.readVariable('kretprobe_hits')).toBe(kretprobeHits);
  });

  it('fentry and fexit count the opens and fexit sees their return value', async () => {
    const refusal = trampolineRefusal();
    if (refusal) {
      expectTrampolineRefusal(refusal, 'probe_fentry');
      expectTrampolineRefusal(await errorOfAsync(() => loadOnly('count_fentry')), 'count_fentry');
      return;
    }
    using loaded = await loadOnly('count_fentry', 'count_fexit');
    const links = [loaded.program('count_fentry').attach(), loaded.program('count_fexit').attach()];
    expect(links.map((l) => l.kind)).toEqual(['tracing', 'tracing']);
    loaded.writeVariable('fexit_last_ret', -1n);
    openTimes(plain, TIMES);
    const fentryHits = loaded.readVariable('fentry_hits') as bigint;
    expect(fentryHits).toBeGreaterThanOrEqual(BigInt(TIMES));
    expect(loaded.readVariable('fexit_hits')).toBeGreaterThanOrEqual(BigInt(TIMES));
    expect(loaded.readVariable('fexit_last_ret')).toBe(0n);
    for (const link of links) link.close();
    openTimes(plain, TIMES);
    expect(loaded.readVariable('fentry_hits')).toBe(fentryHits);
  });

  it('fmod_ret makes security_file_open fail the marked file with EACCES, until detached', async () => {
    const refusal = trampolineRefusal();
    if (refusal) {
      expectTrampolineRefusal(refusal, 'probe_fentry');
      expectTrampolineRefusal(await errorOfAsync(() => loadOnly('fail_marked_open')), 'fail_marked_open');
      return;
    }
    using loaded = await loadOnly('fail_marked_open');
    loaded.writeVariable('fmod_ret_deny_ino', markedIno);
    expect(openResult(marked)).toBe('ok');
    const link = loaded.program('fail_marked_open').attach();
    expect(link.kind).toBe('tracing');
    expect(openResult(marked)).toBe('EACCES');
    expect(openResult(plain)).toBe('ok');
    expect(loaded.readVariable('fmod_ret_hits')).toBeGreaterThanOrEqual(2n);
    link.close();
    expect(openResult(marked)).toBe('ok');
  });

  it('an lsm/file_open program denies the marked file with EPERM, until detached', async () => {
    const refusal = trampolineRefusal();
    if (refusal) {
      expectTrampolineRefusal(refusal, 'probe_fentry');
      expectTrampolineRefusal(await errorOfAsync(() => loadOnly('deny_marked_open')), 'deny_marked_open');
      return;
    }
    using loaded = await loadOnly('deny_marked_open');
    loaded.writeVariable('lsm_deny_ino', markedIno);
    const link = loaded.program('deny_marked_open').attach();
    expect(link.kind).toBe('tracing');
    if (!bpfLsmActive()) {
      // the link exists but the hook never runs: "bpf" is not in the kernel's active LSM list
      expect(openResult(marked)).toBe('ok');
      expect(loaded.readVariable('lsm_hits')).toBe(0n);
      link.close();
      return;
    }
    expect(openResult(marked)).toBe('EPERM');
    expect(openResult(plain)).toBe('ok');
    expect(loaded.readVariable('lsm_hits')).toBeGreaterThanOrEqual(2n);
    link.close();
    expect(openResult(marked)).toBe('ok');
  });

  it('attachAll() attaches all six programs of the object, each seen at work', async () => {
    const refusal = trampolineRefusal();
    if (refusal) {
      expectTrampolineRefusal(refusal, 'probe_fentry');
      // the whole object cannot load: its first trampoline program is refused
      expectTrampolineRefusal(await errorOfAsync(() => loader.load(spec)), 'count_fentry');
      return;
    }
    using loaded = await loader.load(spec);
    loaded.writeVariable('target_tgid', process.pid);
    if (!hasKprobes()) {
      const error = errorOf(() => loaded.attachAll());
      expect(error).toBeInstanceOf(NotSupportedError);
      expect((error as NotSupportedError).feature).toBe('kprobe (CONFIG_KPROBES)');
      return;
    }
    const plainIno = statSync(plain, { bigint: true }).ino;
    loaded.writeVariable('fmod_ret_deny_ino', markedIno);
    loaded.writeVariable('lsm_deny_ino', plainIno);
    const links = loaded.attachAll();
    try {
      expect(links.map((l) => l.kind).sort()).toEqual([
        'kprobe',
        'kprobe',
        'tracing',
        'tracing',
        'tracing',
        'tracing',
      ]);
      expect(openResult(marked)).toBe('EACCES');
      expect(loaded.readVariable('fexit_last_ret')).toBe(-13n);
      expect(openResult(plain)).toBe(bpfLsmActive() ? 'EPERM' : 'ok');
      const other = join(dir, 'other');
      writeFileSync(other, 'other');
      openTimes(other, TIMES);
      for (const counter of ['kprobe_hits', 'kretprobe_hits', 'fentry_hits', 'fexit_hits', 'fmod_ret_hits']) {
        expect(loaded.readVariable(counter), counter).toBeGreaterThanOrEqual(BigInt(TIMES));
      }
    } finally {
      for (const link of links) link.close();
    }
    expect(openResult(marked)).toBe('ok');
    expect(openResult(plain)).toBe('ok');
  });
});
