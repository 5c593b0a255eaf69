import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadKernelBtf } from '@bpfkit/btf';
import {
  MapFlag,
  MapType,
  NotFoundError,
  NotSupportedError,
  type ObjectSpec,
  UsageError,
} from '@bpfkit/core';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadedObject } from './live/loaded-object.js';
import { TcpLoopbackPair } from './testing/tcp-loopback.js';

const fixture = new URL('../../../fixtures/tcp_ca_counter.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();
const loader = createLoader();

// What the kernel says it has, asked independently of the loader: the struct_ops wrapper of
// tcp_congestion_ops (5.6) and the struct_ops link object (6.4) in its BTF.
const kernelHas = (name: string) => !skip && loadKernelBtf().findByName(name, 'STRUCT').length > 0;
const tcpStructOps =
  kernelHas('bpf_struct_ops_tcp_congestion_ops') && loader.backend.probeMapType(MapType.STRUCT_OPS);
const structOpsLinks = kernelHas('bpf_struct_ops_link');

function available(): string[] {
  return readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
}

/** The fixture with its congestion control renamed (a name unique to this run) and, optionally, without BPF_F_LINK. */
function fixtureAs(name: string, viaLink: boolean): ObjectSpec {
  const spec = loader.open(fixture);
  const map = spec.maps.find((m) => m.name === 'bpfkit_reno')!;
  const nameMember = map.structOps!.members.find((m) => m.name === 'name')!;
  map.structOps!.data.fill(0, nameMember.offset, nameMember.offset + nameMember.size);
  map.structOps!.data.set(new TextEncoder().encode(name), nameMember.offset);
  if (!viaLink) map.flags &= ~MapFlag.LINK;
  return spec;
}

function structOpsMapIds(): number[] {
  const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' })) as {
    id: number;
    type: string;
  }[];
  return maps.filter((m) => m.type === 'struct_ops').map((m) => m.id);
}

describe.skipIf(skip)(
  `a BPF TCP congestion control through struct_ops${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let loaded: LoadedObject | undefined;
    afterEach(() => {
      loaded?.close();
      loaded = undefined;
    });

    it('opens one struct_ops map whose members name the programs', () => {
      const spec = loader.open(fixture);
      const map = spec.maps.find((m) => m.kind === 'struct-ops')!;
      expect(map).toMatchObject({
        name: 'bpfkit_reno',
        type: MapType.STRUCT_OPS,
        flags: MapFlag.LINK,
        keySize: 4,
      });
      expect(map.structOps?.typeName).toBe('tcp_congestion_ops');
      expect(
        Object.fromEntries(map.structOps!.members.filter((m) => m.program).map((m) => [m.name, m.program])),
      ).toEqual({
        init: 'bpfkit_init',
        ssthresh: 'bpfkit_ssthresh',
        cong_avoid: 'bpfkit_cong_avoid',
        undo_cwnd: 'bpfkit_undo_cwnd',
      });
    });

    it('registers through a BPF link, runs for a loopback connection that selects it, and unregisters when the link closes', async () => {
      const name = `bk${process.pid % 1_000_000}l`;
      if (!tcpStructOps || !structOpsLinks) {
        // Before 6.4 the kernel refuses BPF_F_LINK on struct_ops maps; the load says so by name.
        const error = await failure(loader.load(fixtureAs(name, true)));
        expect(error).toBeInstanceOf(NotSupportedError);
        expect((error as NotSupportedError).feature).toMatch(
          tcpStructOps ? /struct_ops links/ : /struct_ops/,
        );
        return;
      }
      loaded = await loader.load(fixtureAs(name, true));
      const map = loaded.map('bpfkit_reno');
      // The kernel sized the value as its wrapper struct, not as the object's 56-byte struct.
      const wrapper = loadKernelBtf().findOne('bpf_struct_ops_tcp_congestion_ops', 'STRUCT');
      expect(loader.backend.mapInfo(map.fd)).toMatchObject({
        type: MapType.STRUCT_OPS,
        valueSize: loadKernelBtf().resolveSize(wrapper),
      });
      expect(available()).not.toContain(name);

      const link = loaded.attachStructOps('bpfkit_reno');
      expect(link.kind).toBe('struct_ops');
      expect(link.fd).toBeDefined();
      expect(available()).toContain(name);
      expect(structOpsMapIds()).toContain(loader.backend.mapInfo(map.fd).id);

      const connection = TcpLoopbackPair.connect(name);
      try {
        expect(connection.congestionControl()).toBe(name);
        expect(loaded.readVariable('init_calls')).toBeGreaterThanOrEqual(1n);
        const before = loaded.readVariable('cong_avoid_calls') as bigint;
        expect(connection.transfer(8 * 1024 * 1024)).toBe(8 * 1024 * 1024);
        expect(loaded.readVariable('cong_avoid_calls') as bigint).toBeGreaterThan(before);
      } finally {
        connection.close();
      }

      link.close();
      expect(available()).not.toContain(name);
    });

    it('registers by map update without BPF_F_LINK, and closing the object unregisters it with the Link it owns', async () => {
      const name = `bk${process.pid % 1_000_000}p`;
      if (!tcpStructOps) {
        expect(await failure(loader.load(fixtureAs(name, false)))).toBeInstanceOf(NotSupportedError);
        return;
      }
      loaded = await loader.load(fixtureAs(name, false));
      const link = loaded.attachStructOps('bpfkit_reno');
      expect(link.fd).toBeUndefined();
      expect(available()).toContain(name);
      const connection = TcpLoopbackPair.connect(name);
      try {
        expect(connection.congestionControl()).toBe(name);
        expect(connection.transfer(1024 * 1024)).toBe(1024 * 1024);
        expect(loaded.readVariable('cong_avoid_calls')).toBeGreaterThan(0n);
      } finally {
        connection.close();
      }
      // The object owns the links made through it: closing it unregisters the congestion control.
      loaded.close();
      loaded = undefined;
      expect(available()).not.toContain(name);
      expect(link.closed).toBe(true);
    });

    it('attachStructOps names the struct_ops maps when asked for another map', async () => {
      const spec = fixtureAs(`bk${process.pid % 1_000_000}e`, false);
      if (!tcpStructOps) {
        expect(await failure(loader.load(spec))).toBeInstanceOf(NotSupportedError);
        return;
      }
      loaded = await loader.load(spec);
      expect(() => loaded!.attachStructOps('nope')).toThrow(NotFoundError);
      expect(() => loaded!.attachStructOps('nope')).toThrow(
        expect.objectContaining({ hint: 'struct_ops maps: bpfkit_reno' }),
      );
      expect(() => loaded!.attachStructOps('.bss')).toThrow(UsageError);
    });
  },
);

function failure(operation: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(operation).then(
    () => undefined,
    (error: unknown) => error,
  );
}
