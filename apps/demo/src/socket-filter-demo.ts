// Part one: an object with legacy SEC("maps") definitions (libbpf >= 1.0 refuses them), its socket
// filter attached to a UDP socket on loopback, datagrams sent through it, the map counters printed.
import { createSocket } from 'node:dgram';
import { UdpSocket } from '@bpfkit/kernel-backend';
import type { Loader } from '@bpfkit/loader';
import { fixture } from './fixtures.js';

const IPPROTO_UDP = 17;
const DATAGRAMS = [16, 64, 100, 512, 1000, 1400];
const UDP_HEADER = 8;

async function sendDatagrams(port: number): Promise<void> {
  const client = createSocket('udp4');
  for (const size of DATAGRAMS) {
    await new Promise<void>((resolve, reject) =>
      client.send(Buffer.alloc(size, 0x61), port, '127.0.0.1', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  client.close();
}

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (bytes: Uint8Array | undefined) =>
  bytes ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) : 0n;

/** Returns whether the counters match the traffic sent. */
export async function socketFilterDemo(loader: Loader): Promise<boolean> {
  const spec = loader.open(fixture('legacy_sockfilter.bpfel.o'));
  console.log(`[1] opened ${spec.name}: legacy maps ${spec.maps.map((m) => m.name).join(', ')}`);
  using loaded = await loader.load(spec);
  const program = loaded.program('count_by_proto');
  console.log(
    `    loaded ${program.name} (id ${program.info().id}, ${program.instructionCount} insns with its subprogram)`,
  );

  const socket = UdpSocket.bind('127.0.0.1');
  try {
    socket.attachFilter(program.fd);
    console.log(
      `    attached to a UDP socket on 127.0.0.1:${socket.port}; sending ${DATAGRAMS.length} datagrams`,
    );
    await sendDatagrams(socket.port);
    let received = 0;
    for (let tries = 0; received < DATAGRAMS.length && tries < 100; tries++) {
      received += socket.drain();
      if (received < DATAGRAMS.length) await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    socket.close();
  }
  const packets = u64(loaded.map('proto_packets').lookup(u32(IPPROTO_UDP)));
  const bytes = u64(loaded.map('proto_bytes').lookup(u32(IPPROTO_UDP)));
  const expectedBytes = DATAGRAMS.reduce((sum, size) => sum + size + UDP_HEADER, 0);
  console.log(
    `    proto_packets[udp] = ${packets} (expected ${DATAGRAMS.length}), proto_bytes[udp] = ${bytes} (expected ${expectedBytes})`,
  );
  return packets === BigInt(DATAGRAMS.length) && bytes === BigInt(expectedBytes);
}
