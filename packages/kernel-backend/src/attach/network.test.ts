import { createSocket } from 'node:dgram';
import { ProgramType } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import { UdpSocket } from '../linux/udp-socket.js';
import {
  countingProgram,
  createCounter,
  hasCommand,
  loadBuilt,
  readCounter,
  requireFeature,
  run,
} from '../testing/attach.test-helpers.js';
import { kernelOk, linuxBackend, mountBpffs, returnImmediate } from '../testing/kernel-gate.test-helpers.js';
import { createVethPair } from '../testing/veth.test-helpers.js';
import { attachTcx, attachXdp, interfaceIndex, XdpFlags } from './network.js';
import { attachSocketFilter } from './socket-filter.js';
import { hasTcx } from './tcx-probe.js';

const XDP_DROP = 1;
const TCX_PASS = 0;
const canNetns = kernelOk && hasCommand('ip') && hasCommand('bash');
requireFeature(canNetns, 'network namespace tests need the kernel, `ip` (iproute2) and bash');

describe.skipIf(!canNetns)('XDP and tcx links on a veth pair', () => {
  const backend = canNetns ? linuxBackend() : undefined!;
  let veth: ReturnType<typeof createVethPair>;
  let counter: Fd;

  beforeAll(() => {
    veth = createVethPair('net', 77);
    counter = createCounter(backend);
  });
  afterAll(() => {
    veth?.remove();
    counter?.close();
  });

  it('an XDP link drops the packets sent to the interface until it is closed', () => {
    expect(veth.delivered(2)).toBe(2);
    using program = loadBuilt(backend, countingProgram(XDP_DROP), { type: ProgramType.XDP }, { counter });
    const before = readCounter(backend, counter);
    {
      using link = attachXdp(backend, program, veth.host, { flags: XdpFlags.SKB_MODE });
      expect(link.kind).toBe('xdp');
      expect(veth.delivered(3)).toBe(0);
      expect(readCounter(backend, counter) - before).toBe(3n);
      const shown = JSON.parse(run('ip', '-j', 'link', 'show', veth.host))[0];
      expect(shown.xdp).toBeDefined();
    }
    expect(veth.delivered(2)).toBe(2);
  });

  it('a pinned XDP link stays attached after close until the pin is removed', () => {
    const bpffs = mountBpffs();
    try {
      using program = loadBuilt(backend, countingProgram(XDP_DROP), { type: ProgramType.XDP }, { counter });
      const link = attachXdp(backend, program, interfaceIndex(veth.host));
      link.pin(`${bpffs.dir}/xdp_link`);
      link.close();
      expect(veth.delivered(2)).toBe(0);
      backend.unpin(`${bpffs.dir}/xdp_link`);
      expect(veth.delivered(2)).toBe(2);
    } finally {
      bpffs.unmount();
    }
  });

  it('a tcx ingress link sees every packet that arrives and lets it pass (where the kernel has tcx)', () => {
    using program = loadBuilt(
      backend,
      countingProgram(TCX_PASS),
      { type: ProgramType.SCHED_CLS, expectedAttachType: 46 },
      { counter },
    );
    const before = readCounter(backend, counter);
    if (!hasTcx(backend)) {
      // before Linux 6.6: the typed refusal that names the feature (tc-netlink.kernel.test.ts attaches there)
      expect(() => attachTcx(backend, program, veth.host, 'ingress')).toThrow(
        expect.objectContaining({ name: 'NotSupportedError', feature: 'tcx links (Linux 6.6)' }),
      );
      return;
    }
    using link = attachTcx(backend, program, veth.host, 'ingress');
    expect(link.kind).toBe('tcx');
    expect(veth.delivered(4)).toBe(4);
    expect(readCounter(backend, counter) - before).toBe(4n);
  });

  it('an XDP attach to a missing interface names it', () => {
    using program = loadBuilt(backend, countingProgram(XDP_DROP), { type: ProgramType.XDP }, { counter });
    expect(() => attachXdp(backend, program, 'no-such-if0')).toThrow(
      /no network interface named no-such-if0/,
    );
  });
});

describe.skipIf(!kernelOk)('socket filter', () => {
  it('attachSocketFilter drops what the program refuses and close() detaches it', async () => {
    const backend = linuxBackend();
    using program = backend.loadProgram({
      type: ProgramType.SOCKET_FILTER,
      instructions: returnImmediate(0),
      license: 'GPL',
      name: 'drop_all',
    });
    const socket = UdpSocket.bind();
    const sender = createSocket('udp4');
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await new Promise<void>((resolve, reject) =>
          sender.send('x', socket.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      const link = attachSocketFilter(backend, socket.fd, program);
      expect(link.fd).toBeUndefined();
      await send(3);
      expect(socket.drain()).toBe(0);
      link.close();
      await send(3);
      expect(socket.drain()).toBe(3);
    } finally {
      sender.close();
      socket.close();
    }
  });
});
