// tc through rtnetlink on the real kernel: a counting SCHED_CLS program attached as a cls_bpf
// filter (direct-action) at clsact ingress of a veth, real datagrams from a network namespace,
// and Debian's `tc -j filter show` as the witness from outside.
import { spawnSync } from 'node:child_process';
import { AttachType, KernelError, ProgramType } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import {
  countingProgram,
  createCounter,
  hasCommand,
  loadBuilt,
  readCounter,
  requireFeature,
  run,
} from '../testing/attach.test-helpers.js';
import { kernelOk, linuxBackend } from '../testing/kernel-gate.test-helpers.js';
import { createVethPair } from '../testing/veth.test-helpers.js';
import { attachProgram } from './auto-attach.js';
import { defaultAttachers } from './default-attachers.js';
import { interfaceIndex } from './network.js';
import { attachTcNetlink, tcNetlinkAttacher } from './tc-netlink.js';
import { hasTcx } from './tcx-probe.js';

/** The attachers a loader with the tc netlink plugin asks: netlink before tcx. */
const withNetlink = [tcNetlinkAttacher, ...defaultAttachers];

const TC_ACT_OK = 0;
const TC_ACT_SHOT = 2;
const canRun = kernelOk && hasCommand('ip') && hasCommand('tc') && hasCommand('bash');
requireFeature(canRun, 'tc netlink tests need the kernel, `ip` and `tc` (iproute2) and bash');

interface TcJsonFilter {
  protocol: string;
  pref: number;
  kind: string;
  options?: { handle: string; bpf_name: string; 'direct-action'?: boolean; prog: { id: number } };
}

/** Debian's tc, asked from outside: the filters on one hook, with their options. */
const tcFilterShow = (device: string, hook: 'ingress' | 'egress') =>
  (JSON.parse(run('tc', '-j', 'filter', 'show', 'dev', device, hook)) as TcJsonFilter[]).filter(
    (f) => f.options,
  );

describe.skipIf(!canRun)('tc attach through rtnetlink (clsact + cls_bpf da) on a veth pair', () => {
  const backend = canRun ? linuxBackend() : undefined!;
  let veth: ReturnType<typeof createVethPair>;
  let counter: Fd;

  beforeAll(() => {
    veth = createVethPair('tcnl', 78);
    counter = createCounter(backend);
  });
  afterAll(() => {
    veth?.remove();
    counter?.close();
  });

  it('counts every datagram at ingress, shows in `tc filter show` with direct-action and our program, and close() removes exactly that filter', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TC_ACT_OK),
      { type: ProgramType.SCHED_CLS },
      { counter },
    );
    const programId = backend.programInfo(program).id;
    expect(tcFilterShow(veth.host, 'ingress')).toEqual([]);
    const before = readCounter(backend, counter);
    const link = attachTcNetlink(backend, program, veth.host, 'ingress');
    expect(link.kind).toBe('tc');
    expect(link.fd).toBeUndefined();

    expect(veth.delivered(5)).toBe(5);
    expect(readCounter(backend, counter) - before).toBe(5n);

    const shown = tcFilterShow(veth.host, 'ingress');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      protocol: 'all',
      pref: link.filter.priority,
      kind: 'bpf',
      options: {
        handle: `0x${link.filter.handle.toString(16)}`,
        bpf_name: `test:[${programId}]`,
        'direct-action': true,
        prog: { id: programId },
      },
    });
    // our own dump agrees with tc's
    expect(backend.tcFilters({ ifindex: interfaceIndex(veth.host), direction: 'ingress' })).toEqual([
      {
        ifindex: interfaceIndex(veth.host),
        direction: 'ingress',
        priority: link.filter.priority,
        handle: link.filter.handle,
        protocol: 0x0003,
        kind: 'bpf',
        chain: 0,
        bpf: {
          programId,
          name: `test:[${programId}]`,
          directAction: true,
          tag: backend.programInfo(program).tag,
        },
      },
    ]);

    link.close();
    expect(tcFilterShow(veth.host, 'ingress')).toEqual([]);
    // the clsact qdisc stays, as after `tc filter del`
    const qdiscs = JSON.parse(run('tc', '-j', 'qdisc', 'show', 'dev', veth.host)) as { kind: string }[];
    expect(qdiscs.map((q) => q.kind)).toContain('clsact');
    const after = readCounter(backend, counter);
    expect(veth.delivered(3)).toBe(3);
    expect(readCounter(backend, counter)).toBe(after);
  });

  it('a direct-action verdict is obeyed: TC_ACT_SHOT drops at ingress until the filter goes', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TC_ACT_SHOT),
      { type: ProgramType.SCHED_CLS },
      { counter },
    );
    {
      using _link = attachTcNetlink(backend, program, veth.host, 'ingress', { priority: 7, handle: 3 });
      expect(veth.delivered(4)).toBe(0);
      expect(tcFilterShow(veth.host, 'ingress')).toMatchObject([{ pref: 7, options: { handle: '0x3' } }]);
    }
    expect(veth.delivered(2)).toBe(2);
  });

  it('keeps filters of others: close() deletes only its own, and two links share the clsact qdisc', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TC_ACT_OK),
      { type: ProgramType.SCHED_CLS },
      { counter },
    );
    using first = attachTcNetlink(backend, program, veth.host, 'egress');
    const second = attachTcNetlink(backend, program, veth.host, 'egress');
    // the kernel chose the priorities: 49152 on an empty hook, then one less
    expect([first.filter.priority, second.filter.priority]).toEqual([49152, 49151]);
    expect(tcFilterShow(veth.host, 'egress').map((f) => f.pref)).toEqual([49151, 49152]);
    second.close();
    expect(tcFilterShow(veth.host, 'egress').map((f) => f.pref)).toEqual([49152]);
  });

  it('a refusal names the tc operation and the device and carries the kernel errno and extended ack', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TC_ACT_OK),
      { type: ProgramType.SCHED_CLS },
      { counter },
    );
    using _link = attachTcNetlink(backend, program, veth.host, 'ingress', { priority: 9, handle: 1 });
    let refusal: unknown;
    try {
      attachTcNetlink(backend, program, veth.host, 'ingress', { priority: 9, handle: 1 });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(KernelError);
    expect(refusal).toMatchObject({ errno: 17, syscall: 'RTM_NEWTFILTER' });
    expect((refusal as Error).message).toMatch(
      new RegExp(`^tc filter add dev ${veth.host} ingress \\(RTM_NEWTFILTER\\): already exists \\(EEXIST\\)`),
    );
    // a filter on a device without a clsact qdisc: the kernel explains itself in an extended ack
    using dummy = makeBareDevice();
    let noQdisc: unknown;
    try {
      backend.addTcFilter({
        ifindex: interfaceIndex(dummy.name),
        device: dummy.name,
        direction: 'ingress',
        programFd: program.value,
        name: 'x',
      });
    } catch (error) {
      noQdisc = error;
    }
    expect(noQdisc).toBeInstanceOf(KernelError);
    expect((noQdisc as KernelError).message).toMatch(
      new RegExp(
        `^tc filter add dev ${dummy.name} ingress \\(RTM_NEWTFILTER\\): invalid argument \\(EINVAL\\): the kernel says "Parent Qdisc doesn't exists"$`,
      ),
    );
  });

  it('the attacher takes tcx sections only where the kernel has no tcx, and any tc program when asked for netlink', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TC_ACT_OK),
      { type: ProgramType.SCHED_CLS, expectedAttachType: AttachType.TCX_INGRESS },
      { counter },
    );
    const attachable = {
      fd: program,
      name: 'test',
      type: ProgramType.SCHED_CLS,
      expectedAttachType: AttachType.TCX_INGRESS,
      attachTarget: '',
      section: 'tc/ingress',
    };
    const tcx = hasTcx(backend);
    expect(tcNetlinkAttacher.accepts(attachable, { device: veth.host }, backend)).toBe(!tcx);
    expect(tcNetlinkAttacher.accepts(attachable, { tcMode: 'tcx' }, backend)).toBe(false);
    const before = readCounter(backend, counter);
    using link = attachProgram(backend, attachable, { device: veth.host, tcMode: 'netlink' }, withNetlink);
    expect(link.kind).toBe('tc');
    expect(tcFilterShow(veth.host, 'ingress').map((f) => f.options?.prog.id)).toEqual([
      backend.programInfo(program).id,
    ]);
    expect(veth.delivered(2)).toBe(2);
    expect(readCounter(backend, counter) - before).toBe(2n);
  });
});

/** A device with no clsact qdisc on it (a veth: kernels without modules may lack dummy). */
function makeBareDevice() {
  const name = `bnd${process.pid % 60_000}`;
  spawnSync('ip', ['link', 'del', name]);
  run('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  return { name, [Symbol.dispose]: () => void spawnSync('ip', ['link', 'del', name]) };
}
