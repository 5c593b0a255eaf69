import { KernelError } from '@bpfkit/core';
import type { TcBpfFilterAttr, TcFilter, TcFilterRef, TcHook } from '../../backend.js';
import { describeErrno, Errno } from '../../errno.js';
import { describeTcOperation, type TcOperation, tcError } from '../../tc/tc-errors.js';
import { NetlinkSocketError, type RouteReply, RouteSocket } from './route-socket.js';
import {
  addBpfFilterRequest,
  addClsactRequest,
  deleteClsactRequest,
  deleteFilterRequest,
  dumpFiltersRequest,
  parseFilterMessage,
} from './tc-messages.js';

type Where = Omit<TcHook, 'direction'> & { direction?: string };

/** One request on a socket of its own (a handful of syscalls; tc ops are rare and not hot). */
function exchange(operation: TcOperation, where: Where, build: (seq: number) => Uint8Array): RouteReply {
  let socket: RouteSocket | undefined;
  try {
    socket = RouteSocket.open();
    const seq = socket.nextSeq();
    return socket.request(build(seq), seq);
  } catch (error) {
    if (!(error instanceof NetlinkSocketError)) throw error;
    const what = describeTcOperation(operation, where);
    const lost = error.errno === Errno.EAGAIN ? ' (no answer from the kernel in time)' : '';
    throw new KernelError(
      error.call,
      error.errno,
      `${what}: ${error.call} on the rtnetlink socket: ${describeErrno(error.errno)}${lost}`,
      {
        cause: error,
      },
    );
  } finally {
    socket?.close();
  }
}

function expectOk(operation: TcOperation, where: Where, reply: RouteReply) {
  if (!reply.ok) throw tcError(operation, where, reply.refusal.errno, reply.refusal.message);
  return reply.messages;
}

/** `tc qdisc add dev X clsact`; EEXIST means the device has one (answered as false). */
export function addClsactQdisc(ifindex: number, device?: string): boolean {
  const where = { ifindex, ...(device ? { device } : {}) };
  const reply = exchange('qdisc add', where, (seq) => addClsactRequest(ifindex, seq));
  if (!reply.ok && reply.refusal.errno === Errno.EEXIST) return false;
  expectOk('qdisc add', where, reply);
  return true;
}

export function deleteClsactQdisc(ifindex: number, device?: string): void {
  const where = { ifindex, ...(device ? { device } : {}) };
  expectOk(
    'qdisc del',
    where,
    exchange('qdisc del', where, (seq) => deleteClsactRequest(ifindex, seq)),
  );
}

/** `tc filter add ... bpf da fd N`: the kernel echoes the filter it made (chosen priority, handle). */
export function addTcFilter(attr: TcBpfFilterAttr): TcFilter {
  const messages = expectOk(
    'filter add',
    attr,
    exchange('filter add', attr, (seq) => addBpfFilterRequest(attr, seq)),
  );
  const made = messages.map(parseFilterMessage).find((f) => f !== undefined);
  if (!made) {
    throw new KernelError(
      'RTM_NEWTFILTER',
      Errno.ENOENT,
      `${describeTcOperation('filter add', attr)}: the kernel acked but echoed no filter`,
    );
  }
  return { ...made, ...(attr.device ? { device: attr.device } : {}) };
}

export function deleteTcFilter(filter: TcFilterRef): void {
  expectOk(
    'filter del',
    filter,
    exchange('filter del', filter, (seq) => deleteFilterRequest(filter, seq)),
  );
}

export function tcFilters(hook: TcHook): TcFilter[] {
  const messages = expectOk(
    'filter show',
    hook,
    exchange('filter show', hook, (seq) => dumpFiltersRequest(hook, seq)),
  );
  return messages
    .map(parseFilterMessage)
    .filter((f): f is TcFilter => f !== undefined)
    .map((f) => (hook.device ? { ...f, device: hook.device } : f));
}
