import { createSocket } from 'node:dgram';
import { ProgramType } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import {
  kernelOk,
  kernelSkipReason,
  linuxBackend,
  returnImmediate,
} from '../testing/kernel-gate.test-helpers.js';
import { UdpSocket } from './udp-socket.js';

async function send(port: number, count: number): Promise<void> {
  const client = createSocket('udp4');
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) =>
      client.send(Buffer.alloc(32, i), port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  client.close();
}

async function receiveWith(filterReturn: number, count: number): Promise<number> {
  using program = linuxBackend().loadProgram({
    type: ProgramType.SOCKET_FILTER,
    instructions: returnImmediate(filterReturn),
    license: 'GPL',
    name: 'udp_filter',
  });
  const socket = UdpSocket.bind('127.0.0.1');
  try {
    socket.attachFilter(program);
    await send(socket.port, count);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return socket.drain();
  } finally {
    socket.close();
  }
}

describe.skipIf(!kernelOk)(
  `UdpSocket with a socket filter${kernelOk ? '' : ` (skipped: ${kernelSkipReason})`}`,
  () => {
    it('delivers every datagram when the filter keeps the whole packet', async () => {
      expect(await receiveWith(-1, 3)).toBe(3);
    });

    it('delivers nothing when the filter returns 0', async () => {
      expect(await receiveWith(0, 3)).toBe(0);
    });
  },
);
