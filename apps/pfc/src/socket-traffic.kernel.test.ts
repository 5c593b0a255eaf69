import { createSocket, type Socket } from 'node:dgram';
import { UdpSocket } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, filterProgramName } from './compile-filter.js';
import { type FilterCounters, readCounters } from './counters.js';
import { kernelSkipReason } from './testing/kernel.js';

const skip = kernelSkipReason();

/** A UDP client bound to one loopback address, so a filter can tell the senders apart. */
async function client(address: string): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port: 0 }, resolve);
  });
  return { socket, port: socket.address().port };
}

async function send(from: Socket, port: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) =>
      from.send(Buffer.from('pfc'), port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
}

/**
 * Waits until the filter has judged `total` datagrams (the counters say so) and every datagram it
 * passed has been read, or 2 s have gone by.
 */
async function settle(read: () => FilterCounters, server: UdpSocket, total: number) {
  let received = 0;
  for (let tries = 0; tries < 400; tries++) {
    received += server.drain();
    const { passed, dropped } = read();
    if (passed + dropped >= BigInt(total) && BigInt(received) >= passed) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { received: received + server.drain(), counters: read() };
}

describe.skipIf(skip)(`socket filters on real loopback traffic${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const loader = createLoader();
  let two: Awaited<ReturnType<typeof client>>;
  let three: Awaited<ReturnType<typeof client>>;

  beforeAll(async () => {
    two = await client('127.0.0.2');
    three = await client('127.0.0.3');
  });
  afterAll(() => {
    two?.socket.close();
    three?.socket.close();
  });

  // Each case: the filter (given the server's port), and how many of 3 datagrams from 127.0.0.2
  // and 2 from 127.0.0.3 should arrive.
  const cases: ReadonlyArray<readonly [string, (serverPort: number) => string, number]> = [
    ['by source address', () => 'src host 127.0.0.2', 3],
    ['by source port', () => `udp and src port ${three.port}`, 2],
    ['by destination port', (port) => `dst port ${port}`, 5],
    ['by a port range that excludes the server', (port) => `dst portrange ${port + 1}-${port + 100}`, 0],
    ['by protocol', () => 'tcp or ip6', 0],
    ['by destination address and not source', () => 'dst host 127.0.0.1 and not src 127.0.0.3', 3],
  ];

  for (const [title, expression, arriving] of cases) {
    it(`filters ${title}: the datagrams that arrive are the ones it passes`, async () => {
      const server = UdpSocket.bind('127.0.0.1');
      try {
        const filter = expression(server.port);
        using loaded = await loader.load(compileFilter(filter, { target: 'socket' }));
        server.attachFilter(loaded.program(filterProgramName('socket')).fd);
        await send(two.socket, server.port, 3);
        await send(three.socket, server.port, 2);
        const { received, counters } = await settle(() => readCounters(loaded), server, 5);
        expect({ filter, received }).toEqual({ filter, received: arriving });
        expect(counters).toEqual({ passed: BigInt(arriving), dropped: BigInt(5 - arriving) });
      } finally {
        server.close();
      }
    });
  }
});
