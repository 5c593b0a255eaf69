import { AttachType, ProgramType, parseSectionName, UsageError } from '@bpfkit/core';
import { type Attacher, requireAttachOption as need } from './attacher.js';
import { attachCgroup } from './cgroup.js';
import { attachIter } from './iter.js';
import { attachNetns } from './netns.js';
import { attachTcx, attachXdp } from './network.js';
import { attachPerfEventProgram } from './perf-event-program.js';
import { attachKprobe, attachTracepoint, attachUprobe } from './probes.js';
import { attachSocketFilter } from './socket-filter.js';
import { attachRawTracepoint, attachTracing } from './tracing.js';
import { usdtAttacher } from './usdt/usdt-attacher.js';

const P = ProgramType;

/** A default attacher for the program types in `types`. */
function byType(name: string, types: readonly number[], attach: Attacher['attach']): Attacher {
  const set = new Set(types);
  return { name, accepts: (program) => set.has(program.type), attach };
}

export const socketFilterAttacher = byType('socket filter', [P.SOCKET_FILTER], (program, options, backend) =>
  attachSocketFilter(backend, need(program, options.socketFd, 'a socket fd'), program.fd),
);

export const xdpAttacher = byType('xdp', [P.XDP], (program, options, backend) =>
  attachXdp(backend, program.fd, need(program, options.device, 'a network interface'), {
    ...(options.xdpFlags === undefined ? {} : { flags: options.xdpFlags }),
  }),
);

/** sched_cls programs in tcx/ingress and tcx/egress sections: BPF_LINK_CREATE on the device (6.6+). */
export const tcxAttacher: Attacher = {
  name: 'tcx',
  accepts: (program) =>
    program.type === P.SCHED_CLS &&
    (program.expectedAttachType === AttachType.TCX_INGRESS ||
      program.expectedAttachType === AttachType.TCX_EGRESS),
  attach: (program, options, backend) =>
    attachTcx(
      backend,
      program.fd,
      need(program, options.device, 'a network interface'),
      program.expectedAttachType === AttachType.TCX_INGRESS ? 'ingress' : 'egress',
    ),
};

const cgroupTypes: ReadonlySet<number> = new Set([
  P.CGROUP_SKB,
  P.CGROUP_SOCK,
  P.CGROUP_SOCK_ADDR,
  P.CGROUP_SOCKOPT,
  P.CGROUP_SYSCTL,
  P.CGROUP_DEVICE,
  P.SOCK_OPS,
]);

export const cgroupAttacher: Attacher = {
  name: 'cgroup',
  accepts: (program) =>
    cgroupTypes.has(program.type) ||
    (program.type === P.LSM && program.expectedAttachType === AttachType.LSM_CGROUP),
  attach: (program, options, backend) =>
    attachCgroup(
      backend,
      program.fd,
      need(program, options.cgroup, 'a cgroup directory'),
      program.expectedAttachType,
    ),
};

export const netnsAttacher = byType('netns', [P.SK_LOOKUP, P.FLOW_DISSECTOR], (program, options, backend) =>
  attachNetns(backend, program.fd, program.expectedAttachType, options.netns),
);

export const iterAttacher: Attacher = {
  name: 'iter',
  accepts: (program) => program.type === P.TRACING && program.expectedAttachType === AttachType.TRACE_ITER,
  attach: (program, options, backend) =>
    attachIter(backend, program.fd, options.iterMapFd === undefined ? {} : { mapFd: options.iterMapFd }),
};

/** fentry, fexit, fmod_ret, tp_btf, lsm, freplace: BPF trampolines (BPF_RAW_TRACEPOINT_OPEN / LINK_CREATE). */
export const tracingAttacher = byType('tracing', [P.TRACING, P.LSM, P.EXT], (program, _options, backend) =>
  attachTracing(backend, program.fd, program.expectedAttachType),
);

export const rawTracepointAttacher = byType(
  'raw tracepoint',
  [P.RAW_TRACEPOINT, P.RAW_TRACEPOINT_WRITABLE],
  (program, options, backend) =>
    attachRawTracepoint(
      backend,
      program.fd,
      need(program, options.target ?? program.attachTarget, 'a tracepoint name'),
    ),
);

export const tracepointAttacher = byType('tracepoint', [P.TRACEPOINT], (program, options, backend) => {
  const target = need(program, options.target ?? program.attachTarget, "a tracepoint 'category/name'");
  const [category, name] = target.split('/');
  return attachTracepoint(
    backend,
    program.fd,
    need(program, category, 'a tracepoint category'),
    need(program, name, 'a tracepoint name'),
  );
});

/** kprobe/kretprobe/uprobe/uretprobe/ksyscall sections, told apart by the section's pattern. */
export const probeAttacher = byType('probe', [P.KPROBE], (program, options, backend) => {
  const target = need(program, options.target ?? program.attachTarget, 'a probe target');
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
});

export const perfEventAttacher = byType('perf event', [P.PERF_EVENT], (program, options, backend) =>
  attachPerfEventProgram(backend, program.fd, need(program, options.perfEvent, 'a perf event')),
);

/** Every attach kind bpfkit knows, in the order they are asked. */
export const defaultAttachers: readonly Attacher[] = [
  socketFilterAttacher,
  xdpAttacher,
  tcxAttacher,
  cgroupAttacher,
  netnsAttacher,
  iterAttacher,
  tracingAttacher,
  rawTracepointAttacher,
  tracepointAttacher,
  usdtAttacher,
  probeAttacher,
  perfEventAttacher,
];
