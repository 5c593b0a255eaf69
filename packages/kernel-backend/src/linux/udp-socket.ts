import { KernelError } from '@bpfkit/core';
import koffi from 'koffi';
import { describeErrno } from '../errno.js';
import { type Fd, fdValue } from '../fd.js';

// socket(7), ip(7) and asm-generic/socket.h constants (x86_64).
const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;

interface SocketLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Int32Array): number;
  setsockopt(fd: number, level: number, name: number, value: Int32Array, len: number): number;
  recv(fd: number, buffer: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
}

let bound: SocketLibc | undefined;

function socketLibc(): SocketLibc {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  bound = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const uint8_t *, uint32_t)'),
    getsockname: lib.func('int getsockname(int, _Out_ uint8_t *, _Inout_ int32_t *)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const int32_t *, uint32_t)'),
    recv: lib.func('long recv(int, _Out_ uint8_t *, unsigned long, int)'),
    close: lib.func('int close(int)'),
  } as SocketLibc;
  return bound;
}

function check(result: number, syscall: string, what: string): number {
  if (result >= 0) return result;
  const errno = koffi.errno();
  throw new KernelError(syscall, errno, `${syscall}: ${what} failed: ${describeErrno(errno)}`);
}

/** struct sockaddr_in for an IPv4 address and port (network byte order in the struct). */
function sockaddrIn(address: string, port: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port, false);
  address.split('.').forEach((part, i) => {
    bytes[4 + i] = Number(part);
  });
  return bytes;
}

/**
 * A non-blocking IPv4 UDP socket opened with socket(2) so that a socket-filter program can be
 * attached with SO_ATTACH_BPF (Node's dgram sockets do not expose their fd).
 */
export class UdpSocket {
  readonly fd: number;
  readonly port: number;
  #closed = false;

  private constructor(fd: number, port: number) {
    this.fd = fd;
    this.port = port;
  }

  /** Binds to address:port (port 0 picks a free one). */
  static bind(address = '127.0.0.1', port = 0): UdpSocket {
    const c = socketLibc();
    const fd = check(c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), 'socket', 'UDP socket');
    try {
      check(c.bind(fd, sockaddrIn(address, port), 16), 'bind', `bind to ${address}:${port}`);
      const name = new Uint8Array(16);
      check(c.getsockname(fd, name, Int32Array.of(16)), 'getsockname', 'read the bound port');
      return new UdpSocket(fd, new DataView(name.buffer).getUint16(2, false));
    } catch (error) {
      c.close(fd);
      throw error;
    }
  }

  /** SO_ATTACH_BPF: the program filters every packet this socket receives. */
  attachFilter(program: Fd | number): void {
    const value = Int32Array.of(fdValue(program, 'setsockopt'));
    check(
      socketLibc().setsockopt(this.fd, SOL_SOCKET, SO_ATTACH_BPF, value, 4),
      'setsockopt',
      'SO_ATTACH_BPF',
    );
  }

  detachFilter(): void {
    check(
      socketLibc().setsockopt(this.fd, SOL_SOCKET, SO_DETACH_BPF, Int32Array.of(0), 4),
      'setsockopt',
      'SO_DETACH_BPF',
    );
  }

  /** Reads every queued datagram without blocking; returns how many there were. */
  drain(): number {
    const buffer = new Uint8Array(65536);
    let count = 0;
    for (;;) {
      const n = socketLibc().recv(this.fd, buffer, buffer.length, MSG_DONTWAIT);
      if (n < 0) {
        if (koffi.errno() === EAGAIN) return count;
        check(n, 'recv', 'read a datagram');
      }
      count++;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    socketLibc().close(this.fd);
  }
}
