// What only the real kernel shows: the BCC-style tables created with the types and sizes the
// sections and BTF give (as bpftool sees them), the pinned table at its path, and the socket
// filter counting real UDP traffic into them.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { MapType, type ObjectSpec } from '@bpfkit/core';
import { UdpSocket } from '@bpfkit/kernel-backend';
import type { LoadedObject } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bccLoader, fixtureBytes, readU32, readU64, u32 } from './testing/fixtures.test-helpers.js';
import {
  bpftoolJson,
  kernelOk,
  kernelSkipReason,
  linuxBackend,
  mountBpffs,
} from './testing/kernel-gate.test-helpers.js';

const IPPROTO_UDP = 17;
const UDP_HEADER = 8;
const PAYLOAD = 100;
const DATAGRAMS = 5;

async function sendDatagrams(port: number, count: number): Promise<void> {
  const client = createSocket('udp4');
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) =>
        client.send(Buffer.alloc(PAYLOAD, i), port, '127.0.0.1', (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    }
  } finally {
    client.close();
  }
}

interface BpftoolMap {
  id: number;
  type: string;
  name: string;
  flags: number;
  btf_id?: number;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
}

describe.skipIf(!kernelOk)(
  `the BCC-style socket filter in the real kernel${kernelOk ? '' : ` (skipped: ${kernelSkipReason})`}`,
  () => {
    let bpffs: ReturnType<typeof mountBpffs>;
    let spec: ObjectSpec;
    let loaded: LoadedObject;
    let socket: UdpSocket;
    let received: number;

    beforeAll(async () => {
      bpffs = mountBpffs();
      const loader = bccLoader(linuxBackend());
      spec = loader.open(fixtureBytes('bcc_style.bpfel.o'));
      // The fixture pins at /sys/fs/bpf/...; move that pin into this test's own bpffs.
      spec.maps.find((m) => m.name === 'pinned_totals')!.pinning = {
        kind: 'path',
        path: join(bpffs.dir, 'bcc_style_totals'),
      };
      loaded = await loader.load(spec);
      socket = UdpSocket.bind('127.0.0.1');
      socket.attachFilter(loaded.program('count_by_proto').fd);
      await sendDatagrams(socket.port, DATAGRAMS);
      await new Promise((resolve) => setTimeout(resolve, 50));
      received = socket.drain();
    });
    afterAll(() => {
      socket?.close();
      loaded?.close();
      bpffs?.unmount();
    });

    it('creates every table with the type, sizes and flags bpftool reports', () => {
      const shown = spec.maps.map((m) => {
        const info = bpftoolJson('map', 'show', 'id', String(loaded.map(m.name).info().id)) as BpftoolMap;
        return [info.name, info.type, info.bytes_key, info.bytes_value, info.max_entries, info.flags];
      });
      const cpus = linuxBackend().possibleCpus();
      expect(shown).toEqual([
        ['proto_packets', 'hash', 4, 8, 256, 0],
        ['last_len', 'hash', 4, 4, 64, 1],
        ['proto_bytes', 'array', 4, 8, 256, 0],
        ['cpu_packets', 'percpu_array', 4, 8, 1, 0],
        ['events', 'perf_event_array', 4, 4, cpus, 0],
        ['jump_table', 'prog_array', 4, 4, 4, 0],
        ['pinned_totals', 'hash', 4, 8, 16, 1],
      ]);
    });

    it('accepts the key and leaf BTF types of the data tables (MAP_CREATE carried them)', () => {
      for (const name of ['proto_packets', 'last_len', 'proto_bytes', 'cpu_packets']) {
        const info = bpftoolJson('map', 'show', 'id', String(loaded.map(name).info().id)) as BpftoolMap;
        expect(info.btf_id, name).toBeGreaterThan(0);
      }
    });

    it('pins the BPF_TABLE_PINNED table at its path', () => {
      const pinned = bpftoolJson('map', 'show', 'pinned', join(bpffs.dir, 'bcc_style_totals')) as BpftoolMap;
      expect(pinned.id).toBe(loaded.map('pinned_totals').info().id);
      expect(loaded.map('pinned_totals').spec.type).toBe(MapType.HASH);
    });

    it('keeps every datagram and counts each one, per protocol, in the BPF_HASH', () => {
      expect(received).toBe(DATAGRAMS);
      expect(readU64(loaded.map('proto_packets').lookup(u32(IPPROTO_UDP))!)).toBe(BigInt(DATAGRAMS));
      expect(readU64(loaded.map('pinned_totals').lookup(u32(0))!)).toBe(BigInt(DATAGRAMS));
    });

    it('adds the bytes the socket saw (UDP header and payload) in the BPF_ARRAY', () => {
      const perPacket = UDP_HEADER + PAYLOAD;
      expect(readU64(loaded.map('proto_bytes').lookup(u32(IPPROTO_UDP))!)).toBe(
        BigInt(DATAGRAMS * perPacket),
      );
      expect(readU64(loaded.map('proto_bytes').lookup(u32(6))!)).toBe(0n);
      expect(readU32(loaded.map('last_len').lookup(u32(IPPROTO_UDP))!)).toBe(perPacket);
    });

    it('counts the packets across CPUs in the BPF_PERCPU_ARRAY', () => {
      const cpuPackets = loaded.map('cpu_packets');
      const perCpu = cpuPackets.splitPerCpu(cpuPackets.lookup(u32(0))!).map((v) => readU64(v));
      expect(perCpu.reduce((a, b) => a + b, 0n)).toBe(BigInt(DATAGRAMS));
    });
  },
);
