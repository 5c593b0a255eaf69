import koffi from 'koffi';

// socket(7), tcp(7) constants (x86_64 Linux).
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_TCP = 6;
const TCP_CONGESTION = 13;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const TCP_CA_NAME_MAX = 16;

interface TcpLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, addr: null, len: null): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Int32Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, len: Int32Array): number;
  send(fd: number, buffer: Uint8Array, len: number, flags: number): number;
  recv(fd: number, buffer: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
}

let bound: TcpLibc | undefined;

function tcpLibc(): TcpLibc {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  bound = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const uint8_t *, uint32_t)'),
    listen: lib.func('int listen(int, int)'),
    accept: lib.func('int accept(int, void *, void *)'),
    connect: lib.func('int connect(int, const uint8_t *, uint32_t)'),
    getsockname: lib.func('int getsockname(int, _Out_ uint8_t *, _Inout_ int32_t *)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)'),
    getsockopt: lib.func('int getsockopt(int, int, int, _Out_ uint8_t *, _Inout_ int32_t *)'),
    send: lib.func('long send(int, const uint8_t *, unsigned long, int)'),
    recv: lib.func('long recv(int, _Out_ uint8_t *, unsigned long, int)'),
    close: lib.func('int close(int)'),
  } as TcpLibc;
  return bound;
}

function check(result: number, what: string): number {
  if (result >= 0) return result;
  const errno = koffi.errno();
  const error = new Error(`${what} failed: errno ${errno}`) as Error & { errno: number };
  error.errno = errno;
  throw error;
}

function loopback(port: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port, false);
  bytes.set([127, 0, 0, 1], 4);
  return bytes;
}

/**
 * A TCP connection over 127.0.0.1 made with libc's socket calls, because Node's net module
 * cannot set TCP_CONGESTION. The client socket gets the congestion control before it connects,
 * so the kernel runs that algorithm's init for the connection.
 */
export class TcpLoopbackPair {
  readonly client: number;
  readonly server: number;

  private constructor(client: number, server: number) {
    this.client = client;
    this.server = server;
  }

  static connect(congestionControl: string): TcpLoopbackPair {
    const c = tcpLibc();
    const listener = check(c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 'socket');
    const made: number[] = [listener];
    try {
      check(c.bind(listener, loopback(0), 16), 'bind');
      check(c.listen(listener, 1), 'listen');
      const name = new Uint8Array(16);
      check(c.getsockname(listener, name, Int32Array.of(16)), 'getsockname');
      const port = new DataView(name.buffer).getUint16(2, false);
      const client = check(c.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 'socket');
      made.push(client);
      const algorithm = new TextEncoder().encode(congestionControl);
      check(
        c.setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, algorithm, algorithm.length),
        `setsockopt(TCP_CONGESTION, ${congestionControl})`,
      );
      // The listener's backlog completes the handshake, so a blocking connect returns at once.
      check(c.connect(client, loopback(port), 16), 'connect');
      const server = check(c.accept(listener, null, null), 'accept');
      return new TcpLoopbackPair(client, server);
    } catch (error) {
      for (const fd of made.slice(1)) c.close(fd);
      throw error;
    } finally {
      c.close(listener);
    }
  }

  /** getsockopt(TCP_CONGESTION) of the client: the algorithm the kernel runs for it. */
  congestionControl(): string {
    const value = new Uint8Array(TCP_CA_NAME_MAX);
    const length = Int32Array.of(value.length);
    check(tcpLibc().getsockopt(this.client, IPPROTO_TCP, TCP_CONGESTION, value, length), 'getsockopt');
    const text = value.subarray(0, length[0]);
    const end = text.indexOf(0);
    return new TextDecoder().decode(end < 0 ? text : text.subarray(0, end));
  }

  /** Sends `total` bytes client -> server, reading as it goes; returns the bytes the server got. */
  transfer(total: number, chunk = 64 * 1024): number {
    const c = tcpLibc();
    const out = new Uint8Array(chunk).fill(0x5a);
    const into = new Uint8Array(chunk);
    let sent = 0;
    let received = 0;
    for (let idle = 0; received < total && idle < 100_000; ) {
      let progressed = false;
      if (sent < total) {
        const n = c.send(this.client, out, Math.min(chunk, total - sent), MSG_DONTWAIT);
        if (n > 0) {
          sent += n;
          progressed = true;
        } else if (koffi.errno() !== EAGAIN) check(n, 'send');
      }
      for (;;) {
        const n = c.recv(this.server, into, chunk, MSG_DONTWAIT);
        if (n > 0) {
          received += n;
          progressed = true;
          continue;
        }
        if (n < 0 && koffi.errno() !== EAGAIN) check(n, 'recv');
        break;
      }
      idle = progressed ? 0 : idle + 1;
    }
    return received;
  }

  close(): void {
    tcpLibc().close(this.client);
    tcpLibc().close(this.server);
  }
}
