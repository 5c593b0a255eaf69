// The tc operations both backends share, run against the real kernel (on a veth pair made for the
// test) and the simulated one: where these pass on both, the simulated clsact model is faithful.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KernelError, ProgramType } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelBackend, TcHook } from '../backend.js';
import { Errno } from '../errno.js';
import type { Fd } from '../fd.js';
import { SimulatedKernel } from '../simulated/simulated-kernel.js';
import { hasCommand, requireFeature, run } from '../testing/attach.test-helpers.js';
import {
  kernelOk,
  kernelSkipReason,
  linuxBackend,
  returnImmediate,
} from '../testing/kernel-gate.test-helpers.js';

const canLinux = kernelOk && hasCommand('ip');
requireFeature(canLinux, 'the tc behaviour suite needs the kernel and `ip` (iproute2)');

/** Two devices without qdiscs: a veth pair here (Linux), two ifindexes (simulated). */
interface Devices {
  first: number;
  second: number;
  remove(): void;
}

function vethDevices(): Devices {
  const name = `bkb${process.pid % 60_000}`;
  spawnSync('ip', ['link', 'del', name]);
  run('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  const index = (device: string) => Number(readFileSync(`/sys/class/net/${device}/ifindex`, 'latin1'));
  return {
    first: index(name),
    second: index(`${name}p`),
    remove: () => void spawnSync('ip', ['link', 'del', name]),
  };
}

const backends = [
  {
    name: `linux${canLinux ? '' : ` (skipped: ${kernelSkipReason || 'no ip'})`}`,
    make: linuxBackend,
    devices: vethDevices,
    skip: !canLinux,
  },
  {
    name: 'simulated',
    make: () => new SimulatedKernel(),
    devices: (): Devices => ({ first: 41, second: 42, remove() {} }),
    skip: false,
  },
];

function refusal(action: () => unknown): { errno: number; message: string } | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof KernelError) return { errno: error.errno, message: error.message };
    throw error;
  }
  return undefined;
}

describe.each(backends)('tc operations, $name backend', ({ make, devices, skip }) => {
  describe.skipIf(skip)('', () => {
    let backend: KernelBackend;
    let dev: Devices;
    let classifier: Fd;
    let programId: number;
    const hook = (direction: 'ingress' | 'egress' = 'ingress'): TcHook => ({ ifindex: dev.first, direction });
    const add = (extra: { priority?: number; handle?: number; ifindex?: number; programFd?: number } = {}) =>
      backend.addTcFilter({ ...hook(), programFd: classifier.value, name: 'cls', ...extra });

    beforeAll(() => {
      backend = make();
      dev = devices();
      classifier = backend.loadProgram({
        type: ProgramType.SCHED_CLS,
        instructions: returnImmediate(0),
        license: 'GPL',
        name: 'cls',
      });
      programId = backend.programInfo(classifier).id;
    });
    afterAll(() => {
      classifier?.close();
      dev?.remove();
    });

    it('adds the clsact qdisc once: a second add answers false', () => {
      expect(backend.addClsactQdisc(dev.first)).toBe(true);
      expect(backend.addClsactQdisc(dev.first)).toBe(false);
    });

    it('gives automatic priorities from 49152 down and handles from 1, and lists by priority', () => {
      const first = add();
      const second = add();
      expect([first.priority, first.handle, second.priority, second.handle]).toEqual([49152, 1, 49151, 1]);
      expect(first).toMatchObject({
        ifindex: dev.first,
        direction: 'ingress',
        protocol: 0x0003,
        kind: 'bpf',
        chain: 0,
        bpf: { programId, name: 'cls', directAction: true },
      });
      expect(backend.tcFilters(hook()).map((f) => f.priority)).toEqual([49151, 49152]);
      expect(backend.tcFilters(hook('egress'))).toEqual([]);
      backend.deleteTcFilter(second);
      expect(backend.tcFilters(hook())).toEqual([first]);
      backend.deleteTcFilter(first);
      expect(backend.tcFilters(hook())).toEqual([]);
    });

    it('refuses a taken priority and handle (EEXIST) and a filter that is not there (ENOENT)', () => {
      const made = add({ priority: 5, handle: 2 });
      expect(refusal(() => add({ priority: 5, handle: 2 }))?.errno).toBe(Errno.EEXIST);
      backend.deleteTcFilter(made);
      expect(refusal(() => backend.deleteTcFilter(made))?.errno).toBe(Errno.ENOENT);
    });

    it("refuses a program that is not SCHED_CLS, and a hook without clsact with the kernel's words", () => {
      using xdp = backend.loadProgram({
        type: ProgramType.XDP,
        instructions: returnImmediate(2),
        license: 'GPL',
        name: 'x',
      });
      expect(refusal(() => add({ programFd: xdp.value }))?.errno).toBe(Errno.EINVAL);
      const noQdisc = refusal(() => add({ ifindex: dev.second }));
      expect(noQdisc?.errno).toBe(Errno.EINVAL);
      expect(noQdisc?.message).toContain(`the kernel says "Parent Qdisc doesn't exists"`);
    });

    it('deleting the clsact qdisc takes its filters with it', () => {
      add({ priority: 3 });
      add({ priority: 4 });
      backend.deleteClsactQdisc(dev.first);
      expect(backend.addClsactQdisc(dev.first)).toBe(true);
      expect(backend.tcFilters(hook())).toEqual([]);
    });

    it('names no device for ifindex 0 (ENODEV)', () => {
      expect(refusal(() => backend.addClsactQdisc(0))?.errno).toBe(Errno.ENODEV);
    });
  });
});
