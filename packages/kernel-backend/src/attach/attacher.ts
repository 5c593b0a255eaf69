import { UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import type { Link } from './link.js';
import type { NetworkInterface } from './network.js';
import type { PerfEventProgramOptions } from './perf-event-program.js';

/** The loaded program, as the loader knows it (a LiveProgram's fd and spec fields fit). */
export interface AttachableProgram {
  fd: FdArg;
  name: string;
  /** BPF_PROG_TYPE_* */
  type: number;
  expectedAttachType: number;
  /** what the section name says to attach to ('sched/sched_switch', '/bin/sh:main'), or '' */
  attachTarget: string;
  /** the ELF section ('kretprobe/x', 'uprobe/...'): tells kprobes from uprobes and retprobes apart */
  section?: string;
  /** the maps of the object the program was loaded with, by name (USDT attach fills its spec maps) */
  maps?: ReadonlyMap<string, FdArg>;
}

/** What a section name cannot say: where to attach. Attacher plugins may read keys of their own. */
export interface AttachOptions {
  /** XDP and tc programs: the interface */
  device?: NetworkInterface;
  /**
   * tc programs: how to attach. 'tcx' makes a tcx link (Linux 6.6); 'netlink' a clsact qdisc plus a
   * cls_bpf filter in direct-action mode, as `tc filter add ... bpf da` does (any kernel). Default:
   * tcx where the kernel has it (hasTcx), netlink otherwise.
   */
  tcMode?: 'tcx' | 'netlink';
  /** tc programs whose section does not say the hook ("tc", "classifier"): ingress or egress */
  direction?: 'ingress' | 'egress';
  /** tc netlink attach: the filter's priority and handle (default: the kernel chooses) */
  tcPriority?: number;
  tcHandle?: number;
  /** tc (netlink): the filter's name, as `tc filter show` lists it (default: the program's name) */
  tcFilterName?: string;
  /** XDP: XdpFlags */
  xdpFlags?: number;
  /** cgroup programs: a cgroup v2 directory */
  cgroup?: string;
  /** sk_lookup / flow dissector: a netns file (default /proc/self/ns/net) */
  netns?: string;
  /** socket filters: the socket */
  socketFd?: number;
  /** map iterators: the map */
  iterMapFd?: FdArg;
  /** perf_event programs: the event */
  perfEvent?: PerfEventProgramOptions;
  /** uprobes: the process (default all) */
  pid?: number;
  /** the target when the section does not name one (tracepoint 'cat/name', kprobe function, 'path:function') */
  target?: string;
}

/**
 * How one kind of program attaches (libbpf's attach_fn of a SEC definition). The attach phase asks
 * each attacher in order; the first whose `accepts` says yes attaches the program, so a plugin puts
 * its attacher before a default one to take that kind over (tc through netlink instead of tcx).
 */
export interface Attacher {
  /** a short lowercase name, used in events and errors ('xdp', 'tcx', 'tc netlink') */
  readonly name: string;
  accepts(program: AttachableProgram, options: AttachOptions, backend: KernelBackend): boolean;
  attach(program: AttachableProgram, options: AttachOptions, backend: KernelBackend): Link;
}

/** The value of an option an attacher needs, or a UsageError that says which program needs what. */
export function requireAttachOption<T>(program: AttachableProgram, value: T | undefined, what: string): T {
  if (value === undefined || value === '') {
    throw new UsageError(`program ${program.name} needs ${what} to attach`, {
      location: { program: program.name, ...(program.section ? { section: program.section } : {}) },
    });
  }
  return value;
}
