import koffi from 'koffi';
import { Errno } from '../../errno.js';
import {
  foldReplies,
  type NetlinkAck,
  type NetlinkMessage,
  parseMessages,
  type ReplyState,
} from './netlink-message.js';

// socket(7), netlink(7) constants (x86_64).
const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
/** how long to wait for the kernel's answer before calling it lost (it answers at once) */
const RECEIVE_TIMEOUT_SECONDS = 5;

interface NetlinkLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  send(fd: number, buffer: Uint8Array, len: number, flags: number): number;
  recv(fd: number, buffer: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
}

let bound: NetlinkLibc | undefined;

function netlinkLibc(): NetlinkLibc {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  bound = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const uint8_t *, uint32_t)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)'),
    send: lib.func('long send(int, const uint8_t *, unsigned long, int)'),
    recv: lib.func('long recv(int, _Out_ uint8_t *, unsigned long, int)'),
    close: lib.func('int close(int)'),
  } as NetlinkLibc;
  return bound;
}

/** A failed socket call: which call and its errno (the caller names the operation). */
export class NetlinkSocketError extends Error {
  readonly call: string;
  readonly errno: number;
  constructor(call: string, errno: number) {
    super(`${call} on a NETLINK_ROUTE socket failed with errno ${errno}`);
    this.call = call;
    this.errno = errno;
  }
}

/** The kernel's answer to one request: its data messages, or its refusal with the extended ack. */
export type RouteReply =
  | { ok: true; messages: NetlinkMessage[]; warning?: string }
  | { ok: false; refusal: NetlinkAck };

const int32 = (value: number) => new Uint8Array(new Int32Array([value]).buffer);

/**
 * An AF_NETLINK / NETLINK_ROUTE socket (rtnetlink(7)), as libbpf's libbpf_netlink_open makes it:
 * extended acks on (the kernel's reason for a refusal as text), acks capped to the header, and a
 * receive timeout so a lost answer is an error rather than a hang. One request at a time.
 */
export class RouteSocket {
  readonly #fd: number;
  #seq = Math.floor(Date.now() / 1000) >>> 0;
  #buffer = new Uint8Array(32 * 1024);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  static open(): RouteSocket {
    const c = netlinkLibc();
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) throw new NetlinkSocketError('socket', koffi.errno());
    const socket = new RouteSocket(fd);
    try {
      socket.#option(SOL_NETLINK, NETLINK_EXT_ACK, int32(1));
      socket.#option(SOL_NETLINK, NETLINK_CAP_ACK, int32(1));
      const timeout = new Uint8Array(16); // struct timeval { tv_sec, tv_usec }
      new DataView(timeout.buffer).setBigInt64(0, BigInt(RECEIVE_TIMEOUT_SECONDS), true);
      socket.#option(SOL_SOCKET, SO_RCVTIMEO, timeout);
      const address = new Uint8Array(12); // struct sockaddr_nl, pid 0: the kernel assigns one
      new DataView(address.buffer).setUint16(0, AF_NETLINK, true);
      if (c.bind(fd, address, address.length) < 0) throw new NetlinkSocketError('bind', koffi.errno());
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  /** The next sequence number, for the request about to be built. */
  nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  /** Sends a request built with sequence number `seq` and reads until it is acked, done or refused. */
  request(message: Uint8Array, seq: number): RouteReply {
    const c = netlinkLibc();
    if (c.send(this.#fd, message, message.length, 0) < 0) throw new NetlinkSocketError('send', koffi.errno());
    let state: ReplyState = { messages: [], finished: false };
    while (!state.finished) state = foldReplies(state, parseMessages(this.#receive()), seq);
    if (state.failure) return { ok: false, refusal: state.failure };
    return { ok: true, messages: state.messages, ...(state.warning ? { warning: state.warning } : {}) };
  }

  close(): void {
    netlinkLibc().close(this.#fd);
  }

  /** One datagram; a peek with MSG_TRUNC tells its full size first, so nothing is cut off. */
  #receive(): Uint8Array {
    const c = netlinkLibc();
    for (;;) {
      const size = c.recv(this.#fd, this.#buffer, this.#buffer.length, MSG_PEEK | MSG_TRUNC);
      if (size < 0) {
        const errno = koffi.errno();
        if (errno === Errno.EINTR) continue;
        throw new NetlinkSocketError('recv', errno);
      }
      if (size > this.#buffer.length) this.#buffer = new Uint8Array(size);
      const n = c.recv(this.#fd, this.#buffer, this.#buffer.length, 0);
      if (n < 0) throw new NetlinkSocketError('recv', koffi.errno());
      return this.#buffer.slice(0, n);
    }
  }

  #option(level: number, name: number, value: Uint8Array): void {
    if (netlinkLibc().setsockopt(this.#fd, level, name, value, value.length) < 0) {
      throw new NetlinkSocketError('setsockopt', koffi.errno());
    }
  }
}
