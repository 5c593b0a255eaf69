import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachType, KernelError, NotSupportedError, ProgramType, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { SimulatedKernel } from '../simulated/simulated-kernel.js';
import { returnImmediate } from '../testing/kernel-gate.test-helpers.js';
import type { AttachableProgram } from './attacher.js';
import { attachProgram } from './auto-attach.js';
import { readIterator } from './iter.js';

function loaded(
  sim: SimulatedKernel,
  fields: Partial<AttachableProgram> & { type: number },
): AttachableProgram {
  const fd = sim.loadProgram({
    type: fields.type,
    instructions: returnImmediate(0),
    license: 'GPL',
    name: 'p',
  });
  return { fd, name: 'p', expectedAttachType: 0, attachTarget: '', ...fields };
}

describe('attachProgram (simulated kernel)', () => {
  it('attaches XDP to an interface by name with BPF_LINK_CREATE and detaches on close', () => {
    const sim = new SimulatedKernel();
    const program = loaded(sim, { type: ProgramType.XDP, expectedAttachType: AttachType.XDP });
    const link = attachProgram(sim, program, { device: 'lo', xdpFlags: 2 });
    expect(link.kind).toBe('xdp');
    expect(sim.attachedLinks()).toEqual([
      expect.objectContaining({ attachType: AttachType.XDP, targetIfindex: 1, flags: 2, what: 'xdp on lo' }),
    ]);
    link.close();
    link.close(); // idempotent
    expect(sim.attachedLinks()).toEqual([]);
  });

  it('uses the program attach type for cgroup hooks and opens the cgroup directory', () => {
    const sim = new SimulatedKernel();
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cg-'));
    try {
      const program = loaded(sim, {
        type: ProgramType.CGROUP_SOCK_ADDR,
        expectedAttachType: AttachType.CGROUP_INET4_CONNECT,
      });
      using link = attachProgram(sim, program, { cgroup: dir });
      expect(link.kind).toBe('cgroup');
      expect(sim.linkCreates.at(-1)).toMatchObject({ attachType: AttachType.CGROUP_INET4_CONNECT });
      expect(sim.linkCreates.at(-1)!.targetFd).toBeGreaterThan(2);
    } finally {
      rmdirSync(dir);
    }
  });

  it('sends tcx sections to tcx links and raw_tp sections to BPF_RAW_TRACEPOINT_OPEN', () => {
    const sim = new SimulatedKernel();
    const tcx = loaded(sim, { type: ProgramType.SCHED_CLS, expectedAttachType: AttachType.TCX_EGRESS });
    expect(attachProgram(sim, tcx, { device: 1 }).target).toBe('tcx egress on 1');
    const rawTp = loaded(sim, { type: ProgramType.RAW_TRACEPOINT, attachTarget: 'sched_switch' });
    expect(attachProgram(sim, rawTp).target).toBe('raw_tp sched_switch');
    expect(sim.linkCreates.map((l) => l.what)).toEqual(['tcx egress on 1', 'raw tracepoint sched_switch']);
  });

  it('says what is missing when a section cannot name the target', () => {
    const sim = new SimulatedKernel();
    expect(() => attachProgram(sim, loaded(sim, { type: ProgramType.SOCKET_FILTER }))).toThrow(
      /needs a socket fd/,
    );
    expect(() => attachProgram(sim, loaded(sim, { type: ProgramType.XDP }))).toThrow(
      /needs a network interface/,
    );
    expect(() => attachProgram(sim, loaded(sim, { type: ProgramType.SCHED_ACT }))).toThrow(UsageError);
    expect(() =>
      attachProgram(sim, loaded(sim, { type: ProgramType.KPROBE, section: 'uprobe/x', attachTarget: 'x' })),
    ).toThrow(/binary:function/);
  });

  it('links without a BPF link fd cannot be pinned; detached links refuse a second detach', () => {
    const sim = new SimulatedKernel();
    const program = loaded(sim, { type: ProgramType.XDP });
    using link = attachProgram(sim, program, { device: 'lo' });
    link.detach();
    expect(sim.attachedLinks()).toEqual([]);
    expect(() => link.detach()).toThrow(KernelError);
    try {
      link.detach();
    } catch (error) {
      expect((error as KernelError).errno).toBe(Errno.ENOLINK);
    }
  });

  it('iterators need the real kernel', () => {
    const sim = new SimulatedKernel();
    const program = loaded(sim, { type: ProgramType.TRACING, expectedAttachType: AttachType.TRACE_ITER });
    using link = attachProgram(sim, program);
    expect(link.kind).toBe('iter');
    expect(() => readIterator(sim, link)).toThrow(NotSupportedError);
  });
});
