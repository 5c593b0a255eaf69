import { AttachType, KernelError, NotSupportedError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { describeErrno, Errno } from '../errno.js';
import { Fd, fdValue } from '../fd.js';
import { AttrBuffer } from '../linux/attr-buffer.js';
import { Link, type LinkKind } from './link.js';
import { osCalls, osError, osFdOwner } from './os-calls.js';

// struct perf_event_attr (include/uapi/linux/perf_event.h), PERF_ATTR_SIZE_VER8.
const PERF_ATTR_SIZE = 136;
const PERF_FLAG_FD_CLOEXEC = 1 << 3;
// ioctls: _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32)
const PERF_EVENT_IOC_ENABLE = 0x2400;
const PERF_EVENT_IOC_DISABLE = 0x2401;
const PERF_EVENT_IOC_SET_BPF = 0x40042408;

/** enum perf_type_id */
export const PerfType = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  HW_CACHE: 3,
  RAW: 4,
  BREAKPOINT: 5,
} as const;

/** enum perf_sw_ids */
export const PerfSoftware = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  CPU_MIGRATIONS: 4,
  PAGE_FAULTS_MIN: 5,
  PAGE_FAULTS_MAJ: 6,
  ALIGNMENT_FAULTS: 7,
  EMULATION_FAULTS: 8,
  DUMMY: 9,
  BPF_OUTPUT: 10,
  CGROUP_SWITCHES: 11,
} as const;

/** enum perf_hw_id (the common ones) */
export const PerfHardware = {
  CPU_CYCLES: 0,
  INSTRUCTIONS: 1,
  CACHE_REFERENCES: 2,
  CACHE_MISSES: 3,
  BRANCH_INSTRUCTIONS: 4,
  BRANCH_MISSES: 5,
} as const;

/** The perf_event_attr fields bpfkit sets. */
export interface PerfEventAttr {
  type: number;
  config: bigint;
  /** sample_period, or sample_freq when `freq` is set */
  samplePeriod?: bigint;
  freq?: boolean;
  /** PERF_SAMPLE_* bits */
  sampleType?: bigint;
  /** wakeup_events: wake the reader after this many samples */
  wakeupEvents?: number;
  /** kprobe_func / uprobe_path (an address) */
  config1?: bigint;
  /** kprobe_addr / probe_offset */
  config2?: bigint;
  disabled?: boolean;
}

/** Where the event counts: a process (-1: all) on a CPU (-1: any). perf_event_open refuses -1/-1. */
export interface PerfEventScope {
  pid: number;
  cpu: number;
}

/** perf_event_open(2) as an owned Fd; `what` names the event in errors. */
export function openPerfEvent(attr: PerfEventAttr, scope: PerfEventScope, what: string): Fd {
  const buffer = new AttrBuffer(PERF_ATTR_SIZE);
  buffer.setU32(0, attr.type);
  buffer.setU32(4, PERF_ATTR_SIZE);
  buffer.setBigU64(8, attr.config);
  buffer.setBigU64(16, attr.samplePeriod ?? 0n);
  buffer.setBigU64(24, attr.sampleType ?? 0n);
  // the bitfield word: disabled (bit 0), freq (bit 10)
  let bits = 0n;
  if (attr.disabled) bits |= 1n;
  if (attr.freq) bits |= 1n << 10n;
  buffer.setBigU64(40, bits);
  buffer.setU32(48, attr.wakeupEvents ?? 0);
  buffer.setBigU64(56, attr.config1 ?? 0n);
  buffer.setBigU64(64, attr.config2 ?? 0n);
  const fd = osCalls().perfEventOpen(buffer.address, scope.pid, scope.cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) throw perfOpenError(-fd, what);
  return new Fd(fd, osFdOwner);
}

function perfOpenError(errno: number, what: string): KernelError {
  const hints: Partial<Record<number, string>> = {
    [Errno.EACCES]: 'perf events need CAP_PERFMON (or root), or a lower kernel.perf_event_paranoid',
    [Errno.ENOENT]: 'the event does not exist (a tracepoint id, uprobe path or PMU that this kernel lacks)',
    [Errno.ENODEV]: 'this CPU or PMU cannot count that event (no hardware counters in a VM?)',
    [Errno.EOPNOTSUPP]: 'the PMU does not support sampling this event',
  };
  const hint = hints[errno];
  return new KernelError('perf_event_open', errno, `perf_event_open ${what}: ${describeErrno(errno)}`, {
    ...(hint === undefined ? {} : { hint }),
  });
}

function ioctl(fd: Fd, request: number, argument: number, what: string): void {
  const result = osCalls().ioctl(fd.value, request, argument);
  if (result < 0) throw osError('ioctl', -result, what);
}

/**
 * Attaches a program to an open perf event and returns a Link that owns the perf fd. Prefers a
 * BPF link (BPF_LINK_CREATE with BPF_PERF_EVENT, Linux 5.15), which can be pinned; falls back to
 * PERF_EVENT_IOC_SET_BPF + PERF_EVENT_IOC_ENABLE when the kernel has no perf links, as libbpf does.
 */
export function attachToPerfEvent(
  backend: KernelBackend,
  program: FdArg,
  perf: Fd,
  kind: LinkKind,
  target: string,
  cookie?: bigint,
): Link {
  const closePerf = (): void => perf.close();
  try {
    const fd = backend.createLink({
      programFd: fdValue(program),
      targetFd: perf.value,
      attachType: AttachType.PERF_EVENT,
      ...(cookie === undefined ? {} : { cookie }),
      what: target,
    });
    return new Link(kind, target, backend, fd, [closePerf]);
  } catch (error) {
    if (!perfLinksMissing(error)) {
      perf.close();
      throw error;
    }
  }
  try {
    ioctl(perf, PERF_EVENT_IOC_SET_BPF, fdValue(program), `PERF_EVENT_IOC_SET_BPF for ${target}`);
    ioctl(perf, PERF_EVENT_IOC_ENABLE, 0, `PERF_EVENT_IOC_ENABLE for ${target}`);
  } catch (error) {
    perf.close();
    throw error;
  }
  const disable = (): void => {
    if (!perf.closed) osCalls().ioctl(perf.value, PERF_EVENT_IOC_DISABLE, 0);
  };
  return new Link(kind, target, backend, undefined, [closePerf, disable]);
}

/** LINK_CREATE refusals that mean "no BPF_PERF_EVENT links here" rather than a bad program. */
function perfLinksMissing(error: unknown): boolean {
  if (error instanceof NotSupportedError) return true;
  const errno = (error as { errno?: number }).errno;
  return errno === Errno.EINVAL || errno === Errno.EOPNOTSUPP || errno === Errno.ENOTSUPP;
}
