import { AttachType, ProgramType, parseSectionName, programTypeName, UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { attachCgroup } from './cgroup.js';
import { attachIter } from './iter.js';
import type { Link } from './link.js';
import { attachNetns } from './netns.js';
import { attachTcx, attachXdp, type NetworkInterface } from './network.js';
import { attachPerfEventProgram, type PerfEventProgramOptions } from './perf-event-program.js';
import { attachKprobe, attachTracepoint, attachUprobe } from './probes.js';
import { attachSocketFilter } from './socket-filter.js';
import { attachRawTracepoint, attachTracing } from './tracing.js';

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
}

/** What a section name cannot say: where to attach. */
export interface AttachOptions {
  /** XDP and tcx programs: the interface */
  device?: NetworkInterface;
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

const P = ProgramType;

const cgroupProgramTypes: ReadonlySet<number> = new Set([
  P.CGROUP_SKB,
  P.CGROUP_SOCK,
  P.CGROUP_SOCK_ADDR,
  P.CGROUP_SOCKOPT,
  P.CGROUP_SYSCTL,
  P.CGROUP_DEVICE,
  P.SOCK_OPS,
]);

/**
 * Attaches a loaded program where its type, attach type and section say, like libbpf's
 * bpf_program__attach (the attach_* function of each SEC definition). Options supply what a section
 * cannot name (an interface, a cgroup, a socket).
 */
export function attachProgram(
  backend: KernelBackend,
  program: AttachableProgram,
  options: AttachOptions = {},
): Link {
  const { fd, type, expectedAttachType: attachType } = program;
  const target = options.target ?? program.attachTarget;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined || value === '') {
      throw new UsageError(`program ${program.name} (${programTypeName(type)}) needs ${what} to attach`, {
        location: { program: program.name, ...(program.section ? { section: program.section } : {}) },
      });
    }
    return value;
  };

  if (type === P.SOCKET_FILTER) return attachSocketFilter(backend, need(options.socketFd, 'a socket fd'), fd);
  if (type === P.XDP) {
    return attachXdp(backend, fd, need(options.device, 'a network interface'), {
      ...(options.xdpFlags === undefined ? {} : { flags: options.xdpFlags }),
    });
  }
  if (
    type === P.SCHED_CLS &&
    (attachType === AttachType.TCX_INGRESS || attachType === AttachType.TCX_EGRESS)
  ) {
    const direction = attachType === AttachType.TCX_INGRESS ? 'ingress' : 'egress';
    return attachTcx(backend, fd, need(options.device, 'a network interface'), direction);
  }
  if (cgroupProgramTypes.has(type) || (type === P.LSM && attachType === AttachType.LSM_CGROUP)) {
    return attachCgroup(backend, fd, need(options.cgroup, 'a cgroup directory'), attachType);
  }
  if (type === P.SK_LOOKUP || type === P.FLOW_DISSECTOR) {
    return attachNetns(backend, fd, attachType, options.netns);
  }
  if (type === P.TRACING && attachType === AttachType.TRACE_ITER) {
    return attachIter(backend, fd, options.iterMapFd === undefined ? {} : { mapFd: options.iterMapFd });
  }
  if (type === P.TRACING || type === P.LSM || type === P.EXT) return attachTracing(backend, fd, attachType);
  if (type === P.RAW_TRACEPOINT || type === P.RAW_TRACEPOINT_WRITABLE) {
    return attachRawTracepoint(backend, fd, need(target, 'a tracepoint name'));
  }
  if (type === P.TRACEPOINT) {
    const [category, name] = need(target, "a tracepoint 'category/name'").split('/');
    return attachTracepoint(
      backend,
      fd,
      need(category, 'a tracepoint category'),
      need(name, 'a tracepoint name'),
    );
  }
  if (type === P.KPROBE) return attachProbe(backend, program, need(target, 'a probe target'), options);
  if (type === P.PERF_EVENT)
    return attachPerfEventProgram(backend, fd, need(options.perfEvent, 'a perf event'));
  throw new UsageError(`no automatic attach for ${programTypeName(type)} program ${program.name}`, {
    location: { program: program.name },
    hint: 'attach it with the function for its hook (attachXdp, attachCgroup, ...)',
  });
}

/** kprobe/kretprobe/uprobe/uretprobe/ksyscall sections, told apart by the section's pattern. */
function attachProbe(
  backend: KernelBackend,
  program: AttachableProgram,
  target: string,
  options: AttachOptions,
): Link {
  const pattern = program.section ? parseSectionName(program.section)?.definition.pattern : undefined;
  const kind = pattern?.replace(/[.+].*$/, '') ?? 'kprobe';
  const retprobe = kind === 'kretprobe' || kind === 'uretprobe';
  if (kind === 'uprobe' || kind === 'uretprobe') {
    // libbpf's "binary:function[+offset]"
    const match = /^([^:]+):([^+]*)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(target);
    if (!match) throw new UsageError(`uprobe target ${target} is not 'binary:function[+offset]'`);
    return attachUprobe(backend, program.fd, match[1]!, match[2] || undefined, {
      retprobe,
      ...(match[3] ? { offset: Number(match[3]) } : {}),
      ...(options.pid === undefined ? {} : { pid: options.pid }),
    });
  }
  if (kind === 'ksyscall' || kind === 'kretsyscall') {
    return attachKprobe(backend, program.fd, `__x64_sys_${target}`, { retprobe: kind === 'kretsyscall' });
  }
  const [name, offset] = target.split('+');
  return attachKprobe(backend, program.fd, name!, {
    retprobe,
    ...(offset ? { offset: Number(offset) } : {}),
  });
}
