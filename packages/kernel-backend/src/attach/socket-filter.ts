import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { Link } from './link.js';
import { osCalls, osError } from './os-calls.js';

// asm-generic/socket.h
const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;
const EBADF = 9;
const ENOENT = 2;

/**
 * SO_ATTACH_BPF: the socket-filter program sees every packet the socket receives. close() of the
 * Link detaches with SO_DETACH_BPF; a socket closed first has dropped its filter already.
 */
export function attachSocketFilter(backend: KernelBackend, socketFd: number, program: FdArg): Link {
  const value = Int32Array.of(fdValue(program, 'setsockopt'));
  const result = osCalls().setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, value, 4);
  if (result < 0) throw osError('setsockopt', -result, `SO_ATTACH_BPF on socket fd ${socketFd}`);
  const detach = (): void => {
    const detached = osCalls().setsockopt(socketFd, SOL_SOCKET, SO_DETACH_BPF, Int32Array.of(0), 4);
    if (detached < 0 && -detached !== EBADF && -detached !== ENOENT) {
      throw osError('setsockopt', -detached, `SO_DETACH_BPF on socket fd ${socketFd}`);
    }
  };
  return new Link('socket_filter', `socket fd ${socketFd}`, backend, undefined, [detach]);
}
