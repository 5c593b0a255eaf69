// tc through netlink against the simulated kernel's model of clsact hooks (simulated/tc-hooks.ts):
// what the attacher asks for, what a dry run would show, and which attacher takes which program.
import { AttachType, KernelError, PermissionError, ProgramType, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { SimulatedKernel } from '../simulated/simulated-kernel.js';
import { returnImmediate } from '../testing/kernel-gate.test-helpers.js';
import type { AttachableProgram } from './attacher.js';
import { attachProgram } from './auto-attach.js';
import { defaultAttachers } from './default-attachers.js';
import { attachTcx } from './network.js';
import { attachTcNetlink, type TcFilterLink, tcNetlinkAttacher } from './tc-netlink.js';
import { hasTcx } from './tcx-probe.js';

/** The attachers a loader with the tc netlink plugin asks: netlink before tcx. */
const withNetlink = [tcNetlinkAttacher, ...defaultAttachers];

function classifier(sim: SimulatedKernel, fields: Partial<AttachableProgram> = {}): AttachableProgram {
  const fd = sim.loadProgram({
    type: ProgramType.SCHED_CLS,
    instructions: returnImmediate(0),
    license: 'GPL',
    name: 'cls',
  });
  return { fd, name: 'cls', type: ProgramType.SCHED_CLS, expectedAttachType: 0, attachTarget: '', ...fields };
}

const ingressOf = (ifindex: number) => ({ ifindex, direction: 'ingress' as const });

describe('tc attach through netlink (simulated kernel)', () => {
  it('adds a clsact qdisc and a direct-action cls_bpf filter named after the program; close() deletes only the filter', () => {
    const sim = new SimulatedKernel();
    const program = classifier(sim);
    const id = sim.programInfo(program.fd).id;
    const link = attachTcNetlink(sim, program.fd, 4, 'ingress');
    expect(link.filter).toMatchObject({
      ifindex: 4,
      direction: 'ingress',
      priority: 49152,
      handle: 1,
      protocol: 0x0003,
      bpf: { programId: id, name: `cls:[${id}]`, directAction: true },
    });
    expect(sim.tcFilters(ingressOf(4))).toEqual([link.filter]);
    expect(sim.tcFilters({ ifindex: 4, direction: 'egress' })).toEqual([]);
    link.close();
    expect(sim.tcFilters(ingressOf(4))).toEqual([]);
    expect(sim.addClsactQdisc(4)).toBe(false); // the qdisc stayed
  });

  it('chooses priorities as the kernel does and refuses a taken priority and handle with EEXIST', () => {
    const sim = new SimulatedKernel();
    const program = classifier(sim);
    using first = attachTcNetlink(sim, program.fd, 2, 'egress');
    using second = attachTcNetlink(sim, program.fd, 2, 'egress');
    expect([first.filter.priority, second.filter.priority]).toEqual([49152, 49151]);
    expect(() => attachTcNetlink(sim, program.fd, 2, 'egress', { priority: 49152, handle: 1 })).toThrow(
      expect.objectContaining({
        errno: Errno.EEXIST,
        message: expect.stringMatching(/^tc filter add dev ifindex 2 egress \(RTM_NEWTFILTER\)/),
      }),
    );
  });

  it('a filter holds its program after the program fd closes, and lets go when deleted', () => {
    const sim = new SimulatedKernel();
    const program = classifier(sim);
    const id = sim.programInfo(program.fd).id;
    const link = attachTcNetlink(sim, program.fd, 3, 'ingress');
    (program.fd as { close(): void }).close();
    sim.programFdById(id).close(); // still there: the filter holds it
    link.close();
    expect(() => sim.programFdById(id)).toThrow(KernelError);
    expect(sim.openFds()).toEqual([]);
  });

  it('refuses what the kernel refuses: a non-SCHED_CLS program, a hook without clsact, a missing filter', () => {
    const sim = new SimulatedKernel();
    using xdp = sim.loadProgram({
      type: ProgramType.XDP,
      instructions: returnImmediate(2),
      license: 'GPL',
      name: 'x',
    });
    sim.addClsactQdisc(5);
    const add = (ifindex: number, programFd: number) =>
      sim.addTcFilter({ ifindex, direction: 'ingress', programFd, name: 'x' });
    expect(() => add(5, xdp.value)).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
    const cls = classifier(sim);
    expect(() => add(6, (cls.fd as { value: number }).value)).toThrow(
      /the kernel says "Parent Qdisc doesn't exists"/,
    );
    expect(() => sim.deleteTcFilter({ ...ingressOf(5), priority: 1, handle: 1, protocol: 3 })).toThrow(
      expect.objectContaining({ errno: Errno.ENOENT }),
    );
    sim.failNext('addTcFilter', { errno: Errno.EPERM });
    expect(() => attachTcNetlink(sim, cls.fd, 5, 'ingress')).toThrow(PermissionError);
  });

  it('a link whose filter went with its qdisc closes quietly', () => {
    const sim = new SimulatedKernel();
    const link = attachTcNetlink(sim, classifier(sim).fd, 7, 'egress');
    sim.deleteClsactQdisc(7);
    expect(() => link.close()).not.toThrow();
  });
});

describe('hasTcx and the tc netlink attacher', () => {
  it('probes once per backend: ENODEV for a missing device means tcx, EINVAL means none', () => {
    const modern = new SimulatedKernel();
    expect(hasTcx(modern)).toBe(true);
    const old = new SimulatedKernel();
    old.failNext('createLink', { errno: Errno.EINVAL });
    expect(hasTcx(old)).toBe(false);
    expect(hasTcx(old)).toBe(false); // memoized: no second probe
    expect(old.failures.calls('createLink')).toBe(1);
    expect(old.openFds()).toEqual([]);
    const denied = new SimulatedKernel();
    denied.failNext('loadProgram', { errno: Errno.EPERM });
    expect(() => hasTcx(denied)).toThrow(KernelError);
  });

  it('attachTcx where the kernel has no tcx is a NotSupportedError naming tcx and the way out', () => {
    const old = new SimulatedKernel();
    old.failNext('createLink', { errno: Errno.EINVAL }); // the attach, as 6.1 answers
    old.failAt('createLink', 2, { errno: Errno.EINVAL }); // and the probe it asks then
    expect(() => attachTcx(old, classifier(old).fd, 1, 'ingress')).toThrow(
      expect.objectContaining({
        name: 'NotSupportedError',
        feature: 'tcx links (Linux 6.6)',
        message: 'tcx ingress on 1: this kernel has no tcx links',
        hint: expect.stringContaining('attachTcNetlink'),
      }),
    );
  });

  it('tcx sections go to tcx links where the kernel has them and to cls_bpf where it does not', () => {
    const modern = new SimulatedKernel();
    const onModern = classifier(modern, {
      expectedAttachType: AttachType.TCX_INGRESS,
      section: 'tc/ingress',
    });
    expect(attachProgram(modern, onModern, { device: 1 }, withNetlink).kind).toBe('tcx');
    expect(attachProgram(modern, onModern, { device: 1, tcMode: 'netlink' }, withNetlink).kind).toBe('tc');

    const old = new SimulatedKernel();
    old.failNext('createLink', { errno: Errno.EINVAL }); // the probe's LINK_CREATE, as 6.1 answers
    const onOld = classifier(old, { expectedAttachType: AttachType.TCX_EGRESS, section: 'tcx/egress' });
    const link = attachProgram(old, onOld, { device: 1 }, withNetlink) as TcFilterLink;
    expect(link.kind).toBe('tc');
    expect(link.filter.direction).toBe('egress');
    expect(old.attachedLinks()).toEqual([]);
  });

  it('takes "tc" and "classifier" sections with a direction option (and a priority and handle), and says when the direction is missing', () => {
    const sim = new SimulatedKernel();
    const program = classifier(sim, { section: 'classifier' });
    const link = attachProgram(sim, program, { device: 9, direction: 'egress' }, withNetlink) as TcFilterLink;
    expect(link.filter).toMatchObject({ ifindex: 9, direction: 'egress' });
    const placed = attachProgram(
      sim,
      program,
      {
        device: 9,
        direction: 'ingress',
        tcPriority: 5,
        tcHandle: 7,
      },
      withNetlink,
    ) as TcFilterLink;
    expect(placed.filter).toMatchObject({ direction: 'ingress', priority: 5, handle: 7 });
    expect(() => attachProgram(sim, program, { device: 9 }, withNetlink)).toThrow(UsageError);
    expect(() => attachProgram(sim, program, { device: 9 }, withNetlink)).toThrow(/needs a direction/);
    expect(tcNetlinkAttacher.accepts(program, { tcMode: 'tcx' }, sim)).toBe(false);
    expect(
      tcNetlinkAttacher.accepts({ ...program, type: ProgramType.SCHED_ACT }, { tcMode: 'netlink' }, sim),
    ).toBe(false);
  });
});
