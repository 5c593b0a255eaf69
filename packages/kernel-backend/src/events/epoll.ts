import { KernelError } from '@bpfkit/core';
import koffi from 'koffi';
import { describeErrno } from '../errno.js';

// sys/epoll.h (x86_64: struct epoll_event is packed, 12 bytes: u32 events, u64 data)
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 0x001;
const EVENT_SIZE = 12;
const EINTR = 4;

interface EpollCalls {
  create(flags: number): number;
  ctl(epfd: number, op: number, fd: number, event: Uint8Array): number;
  wait(epfd: number, events: Uint8Array, maxEvents: number, timeoutMs: number): number;
  close(fd: number): number;
}

let bound: EpollCalls | undefined;

function epollCalls(): EpollCalls {
  if (bound) return bound;
  const lib = koffi.load('libc.so.6');
  bound = {
    create: lib.func('int epoll_create1(int)'),
    ctl: lib.func('int epoll_ctl(int, int, int, uint8_t *)'),
    wait: lib.func('int epoll_wait(int, _Out_ uint8_t *, int, int)'),
    close: lib.func('int close(int)'),
  } as EpollCalls;
  return bound;
}

function fail(call: string, what: string): never {
  const errno = koffi.errno();
  throw new KernelError(call, errno, `${call} ${what}: ${describeErrno(errno)}`);
}

/** An epoll instance that reports which registered descriptors are readable, by their tag. */
export class Epoll {
  readonly #fd: number;
  #events = new Uint8Array(EVENT_SIZE * 8);
  #count = 0;
  #closed = false;

  constructor() {
    const fd = epollCalls().create(EPOLL_CLOEXEC);
    if (fd < 0) fail('epoll_create1', 'for events');
    this.#fd = fd;
  }

  /** EPOLL_CTL_ADD for readability; `tag` comes back from wait() (a CPU number, an index). */
  add(fd: number, tag: number): void {
    const event = new Uint8Array(EVENT_SIZE);
    const view = new DataView(event.buffer);
    view.setUint32(0, EPOLLIN, true);
    view.setUint32(4, tag, true);
    if (epollCalls().ctl(this.#fd, EPOLL_CTL_ADD, fd, event) < 0) fail('epoll_ctl', `add fd ${fd}`);
    this.#count++;
    if (this.#events.length < this.#count * EVENT_SIZE)
      this.#events = new Uint8Array(this.#count * EVENT_SIZE);
  }

  /** epoll_wait: the tags of readable descriptors; blocks up to timeoutMs (0: never, -1: forever). */
  wait(timeoutMs: number): number[] {
    const n = epollCalls().wait(this.#fd, this.#events, Math.max(this.#count, 1), timeoutMs);
    if (n < 0) {
      if (koffi.errno() === EINTR) return [];
      fail('epoll_wait', 'for events');
    }
    const view = new DataView(this.#events.buffer);
    const tags: number[] = [];
    for (let i = 0; i < n; i++) tags.push(view.getUint32(i * EVENT_SIZE + 4, true));
    return tags;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    epollCalls().close(this.#fd);
  }
}
