import { ProgramType } from '@bpfkit/core';
import type { TcBpfFilterAttr, TcFilter, TcFilterRef, TcHook } from '../backend.js';
import { Errno } from '../errno.js';
import { type TcOperation, tcError } from '../tc/tc-errors.js';
import type { SimProgram } from './objects.js';

/** the first priority the kernel gives a filter added with priority 0 (tcf_auto_prio) */
const AUTO_PRIORITY = 0xc000;

interface SimFilter {
  filter: TcFilter;
  program: SimProgram;
}

/** How the model reaches the simulated kernel's objects. */
export interface TcHooksKernel {
  /** the program behind an fd, or an errno */
  program(fd: number): SimProgram | number;
  /** a filter holds its program like a link does */
  hold(program: SimProgram): void;
  release(program: SimProgram): void;
}

/**
 * The simulated kernel's clsact qdiscs and cls_bpf filters, per ifindex: what rtnetlink would
 * answer, with the kernel's errnos (EEXIST, ENOENT, EINVAL) and its choice of priority and handle.
 * Devices are not modelled: every positive ifindex exists.
 */
export class SimTcHooks {
  readonly #kernel: TcHooksKernel;
  readonly #qdiscs = new Set<number>();
  readonly #filters: SimFilter[] = [];

  constructor(kernel: TcHooksKernel) {
    this.#kernel = kernel;
  }

  addClsact(ifindex: number, device?: string): boolean {
    this.#checkDevice('qdisc add', { ifindex, ...(device ? { device } : {}) });
    if (this.#qdiscs.has(ifindex)) return false;
    this.#qdiscs.add(ifindex);
    return true;
  }

  deleteClsact(ifindex: number, device?: string): void {
    const where = { ifindex, ...(device ? { device } : {}) };
    this.#checkDevice('qdisc del', where);
    if (!this.#qdiscs.delete(ifindex))
      throw tcError('qdisc del', where, Errno.EINVAL, 'Cannot find specified qdisc on specified device');
    for (const entry of this.#filters.filter((f) => f.filter.ifindex === ifindex)) this.#remove(entry);
  }

  add(attr: TcBpfFilterAttr): TcFilter {
    this.#checkDevice('filter add', attr);
    if (!this.#qdiscs.has(attr.ifindex))
      throw tcError('filter add', attr, Errno.EINVAL, "Parent Qdisc doesn't exists");
    const program = this.#kernel.program(attr.programFd);
    if (typeof program === 'number') throw tcError('filter add', attr, program);
    if (program.attr.type !== ProgramType.SCHED_CLS) throw tcError('filter add', attr, Errno.EINVAL);
    const onHook = this.list(attr);
    const priority = attr.priority || Math.min(AUTO_PRIORITY, ...onHook.map((f) => f.priority - 1));
    const samePriority = onHook.filter((f) => f.priority === priority);
    const protocol = attr.protocol ?? 0x0003;
    if (samePriority.some((f) => f.protocol !== protocol)) {
      throw tcError('filter add', attr, Errno.EINVAL, 'Filter with specified priority/protocol not found');
    }
    const handle = attr.handle || Math.max(0, ...samePriority.map((f) => f.handle)) + 1;
    if (samePriority.some((f) => f.handle === handle)) throw tcError('filter add', attr, Errno.EEXIST);
    const filter: TcFilter = {
      ifindex: attr.ifindex,
      direction: attr.direction,
      ...(attr.device ? { device: attr.device } : {}),
      priority,
      handle,
      protocol,
      kind: 'bpf',
      chain: 0,
      bpf: {
        programId: program.id,
        name: attr.name,
        directAction: attr.directAction !== false,
        tag: program.tag,
      },
    };
    this.#kernel.hold(program);
    this.#filters.push({ filter, program });
    return { ...filter };
  }

  delete(ref: TcFilterRef): void {
    this.#checkDevice('filter del', ref);
    const entry = this.#filters.find(
      ({ filter: f }) =>
        f.ifindex === ref.ifindex &&
        f.direction === ref.direction &&
        f.priority === ref.priority &&
        f.protocol === ref.protocol &&
        f.handle === ref.handle,
    );
    if (!entry)
      throw tcError('filter del', ref, Errno.ENOENT, 'Filter with specified priority/protocol not found');
    this.#remove(entry);
  }

  /** One hook's filters by priority then handle, as a dump lists them. */
  list(hook: TcHook): TcFilter[] {
    this.#checkDevice('filter show', hook);
    return this.#filters
      .map((entry) => entry.filter)
      .filter((f) => f.ifindex === hook.ifindex && f.direction === hook.direction)
      .sort((a, b) => a.priority - b.priority || a.handle - b.handle)
      .map((f) => ({ ...f, ...(hook.device ? { device: hook.device } : {}) }));
  }

  #remove(entry: SimFilter): void {
    this.#filters.splice(this.#filters.indexOf(entry), 1);
    this.#kernel.release(entry.program);
  }

  #checkDevice(operation: TcOperation, where: TcHook | { ifindex: number; device?: string }): void {
    if (!Number.isInteger(where.ifindex) || where.ifindex <= 0) throw tcError(operation, where, Errno.ENODEV);
  }
}
