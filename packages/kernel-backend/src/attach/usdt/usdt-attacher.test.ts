import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ProgramType, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { SimulatedKernel } from '../../simulated/simulated-kernel.js';
import { returnImmediate } from '../../testing/kernel-gate.test-helpers.js';
import type { AttachableProgram } from '../attacher.js';
import { attachProgram } from '../auto-attach.js';
import { resolveBinaryPath } from './binary-path.js';
import { parseUsdtTarget, usdtAttacher } from './usdt-attacher.js';

function kprobeProgram(
  sim: SimulatedKernel,
  section: string,
  attachTarget: string,
  maps?: AttachableProgram['maps'],
) {
  const fd = sim.loadProgram({
    type: ProgramType.KPROBE,
    instructions: returnImmediate(0),
    license: 'GPL',
    name: 'h',
  });
  return {
    fd,
    name: 'h',
    type: ProgramType.KPROBE,
    expectedAttachType: 0,
    attachTarget,
    section,
    ...(maps ? { maps } : {}),
  };
}

describe('the usdt attacher', () => {
  it('takes usdt/ and usdt.s/ sections, and leaves uprobes and kprobes to the probe attacher', () => {
    const sim = new SimulatedKernel();
    const accepts = (section: string) => usdtAttacher.accepts(kprobeProgram(sim, section, ''), {}, sim);
    expect(['usdt', 'usdt/a:b:c', 'usdt.s/a:b:c', 'uprobe/a:f', 'kprobe/f'].map(accepts)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('is asked before the probe attacher: a usdt handler without its spec maps says so', () => {
    const sim = new SimulatedKernel();
    const program = kprobeProgram(sim, 'usdt/bin:prov:probe', 'bin:prov:probe');
    expect(() => attachProgram(sim, program)).toThrow(NotFoundError);
    expect(() => attachProgram(sim, program)).toThrow(
      /no __bpf_usdt_specs and __bpf_usdt_ip_to_spec_id maps/,
    );
    // plain SEC("usdt") names no probe: the caller gives one
    expect(() => attachProgram(sim, kprobeProgram(sim, 'usdt', ''))).toThrow(
      /needs a USDT 'binary:provider:name'/,
    );
  });

  it("reads libbpf's PATH:PROVIDER:NAME", () => {
    expect(parseUsdtTarget('/usr/lib/libc.so.6:libc:setjmp')).toEqual({
      binary: '/usr/lib/libc.so.6',
      provider: 'libc',
      name: 'setjmp',
    });
    expect(() => parseUsdtTarget('/bin/x:provider')).toThrow(UsageError);
    expect(() => parseUsdtTarget('a:b:c:d')).toThrow(UsageError);
  });
});

describe('resolveBinaryPath', () => {
  it('finds programs on PATH and libraries on LD_LIBRARY_PATH, as libbpf does; paths with a / as given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-path-'));
    try {
      writeFileSync(join(dir, 'tool'), '', { mode: 0o755 });
      writeFileSync(join(dir, 'data'), '', { mode: 0o644 });
      writeFileSync(join(dir, 'libx.so.1'), '', { mode: 0o644 });
      const env = { PATH: `/nonexistent:${dir}`, LD_LIBRARY_PATH: dir };
      expect(resolveBinaryPath('tool', env)).toBe(join(dir, 'tool'));
      expect(resolveBinaryPath('libx.so.1', env)).toBe(join(dir, 'libx.so.1'));
      // a program must be executable
      expect(() => resolveBinaryPath('data', env)).toThrow(NotFoundError);
      expect(resolveBinaryPath('./relative/tool', env)).toBe('./relative/tool');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
