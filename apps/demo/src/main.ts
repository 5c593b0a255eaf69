// The demo behind `npm run demo`: loads a bundled object with legacy SEC("maps") definitions (which
// libbpf >= 1.0 refuses), attaches its socket filter to a UDP socket on loopback, sends datagrams
// through it and prints the counters the program kept in its maps.
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { isBpfkitError } from '@bpfkit/core';
import { UdpSocket } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';

const OBJECT = fileURLToPath(new URL('../../../fixtures/legacy_sockfilter.bpfel.o', import.meta.url));
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

function u32(n: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, n, true);
  return key;
}

function u64(bytes: Uint8Array | undefined): bigint {
  return bytes ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true) : 0n;
}

async function demo(): Promise<number> {
  const loader = createLoader();
  const spec = loader.open(OBJECT);
  console.log(
    `opened ${spec.name}: ${spec.programs.length} program, ${spec.maps.length} legacy maps (${spec.maps.map((m) => m.name).join(', ')})`,
  );

  using loaded = await loader.load(spec);
  const program = loaded.program('count_by_proto');
  const info = program.info();
  console.log(
    `loaded program ${program.name} (id ${info.id}, ${program.instructionCount} instructions after linking its subprogram)`,
  );

  const socket = UdpSocket.bind('127.0.0.1');
  try {
    socket.attachFilter(program.fd);
    console.log(
      `attached to a UDP socket on 127.0.0.1:${socket.port}; sending ${DATAGRAMS.length} datagrams`,
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
  console.log('\nmap counters (key: IP protocol)');
  console.log(`  proto_packets[udp] = ${packets}   (expected ${DATAGRAMS.length})`);
  console.log(`  proto_bytes[udp]   = ${bytes}  (expected ${expectedBytes}: payload + UDP header)`);
  const ok = packets === BigInt(DATAGRAMS.length) && bytes === BigInt(expectedBytes);
  console.log(
    ok
      ? '\nok: the kernel ran the program on every datagram'
      : '\nMISMATCH: the counters differ from the traffic sent',
  );
  return ok ? 0 : 1;
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(isBpfkitError(error) ? `demo: ${error.describe()}` : error);
    process.exitCode = 1;
  },
);
