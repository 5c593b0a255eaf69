import { NotSupportedError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { readHostFile, resolveHostBinary } from '../host-file.js';
import { addressOf } from '../linux/libc.js';
import { functionFileOffset } from './elf-symbols.js';
import type { Link } from './link.js';
import { attachToPerfEvent, openPerfEvent, PerfType } from './perf-event.js';
import { probePmu, uprobeRefCtrShift } from './pmu.js';
import { tracepointId } from './tracefs.js';

export interface ProbeOptions {
  /** the bpf_cookie the program reads with bpf_get_attach_cookie */
  cookie?: bigint;
}

/** A tracepoint ('sched', 'sched_process_exec') through a perf event (libbpf's attach_tracepoint). */
export function attachTracepoint(
  backend: KernelBackend,
  program: FdArg,
  category: string,
  name: string,
  options: ProbeOptions = {},
): Link {
  const target = `tracepoint ${category}/${name}`;
  const perf = openPerfEvent(
    {
      type: PerfType.TRACEPOINT,
      config: BigInt(tracepointId(category, name)),
      samplePeriod: 1n,
      wakeupEvents: 1,
    },
    { pid: -1, cpu: 0 },
    target,
  );
  return attachToPerfEvent(backend, program, perf, 'tracepoint', target, options.cookie);
}

export interface UprobeOptions extends ProbeOptions {
  /** a return probe (uretprobe) instead of an entry probe */
  retprobe?: boolean;
  /** the process to trace; default -1: every process that runs the binary */
  pid?: number;
  /** added to the function's offset (or the offset itself when no function is named) */
  offset?: number;
  /** file offset of a USDT semaphore the kernel increments while the probe is attached */
  refCtrOffset?: bigint;
}

/**
 * A uprobe on a function of an executable or library, by name (its file offset comes from the
 * binary's symbols) or by `offset`. Uses the uprobe PMU (/sys/bus/event_source/devices/uprobe):
 * config1 = path, config2 = file offset.
 */
export function attachUprobe(
  backend: KernelBackend,
  program: FdArg,
  binaryPath: string,
  functionName: string | undefined,
  options: UprobeOptions = {},
): Link {
  const kind = options.retprobe ? 'uretprobe' : 'uprobe';
  const pmu = probePmu('uprobe', 'uprobe (CONFIG_UPROBE_EVENTS)');
  const path = resolveHostBinary(binaryPath);
  const offset =
    (functionName === undefined
      ? 0
      : functionFileOffset(readHostFile(path, 'uprobe binary'), functionName, path)) + (options.offset ?? 0);
  const target = `${kind} ${path}:${functionName ?? ''}+0x${offset.toString(16)}`;
  const pathBytes = Buffer.from(`${path}\0`, 'utf8');
  const pid = options.pid ?? -1;
  const perf = openPerfEvent(
    {
      type: pmu.type,
      config:
        (options.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n) | refCtrBits(options.refCtrOffset, target),
      config1: BigInt(addressOf(pathBytes)),
      config2: BigInt(offset),
      samplePeriod: 1n,
      wakeupEvents: 1,
    },
    // every process: any pid on CPU 0 is not allowed, so libbpf uses cpu 0 with pid -1
    pid < 0 ? { pid: -1, cpu: 0 } : { pid, cpu: -1 },
    target,
  );
  void pathBytes; // alive until perf_event_open has copied the string
  return attachToPerfEvent(backend, program, perf, 'uprobe', target, options.cookie);
}

/** The reference counter offset placed in config (PERF_UPROBE_REF_CTR_OFFSET_SHIFT). */
function refCtrBits(offset: bigint | undefined, target: string): bigint {
  if (!offset) return 0n;
  const shift = uprobeRefCtrShift();
  if (shift === undefined) {
    throw new NotSupportedError(
      'uprobe reference counters (USDT semaphores)',
      `${target} needs a semaphore, and this kernel's uprobe PMU has no ref_ctr_offset`,
      { hint: 'Linux 4.20 added them; attach to a probe without a semaphore' },
    );
  }
  return offset << BigInt(shift);
}

export interface KprobeOptions extends ProbeOptions {
  retprobe?: boolean;
  /** offset inside the function */
  offset?: number;
}

/**
 * A kprobe on a kernel function through the kprobe PMU. Kernels built without CONFIG_KPROBES
 * have no such PMU: that is a NotSupportedError naming "kprobe (CONFIG_KPROBES)".
 */
export function attachKprobe(
  backend: KernelBackend,
  program: FdArg,
  functionName: string,
  options: KprobeOptions = {},
): Link {
  const pmu = probePmu('kprobe', 'kprobe (CONFIG_KPROBES)');
  const kind = options.retprobe ? 'kretprobe' : 'kprobe';
  const target = `${kind} ${functionName}+${options.offset ?? 0}`;
  const name = Buffer.from(`${functionName}\0`, 'latin1');
  const perf = openPerfEvent(
    {
      type: pmu.type,
      config: options.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
      config1: BigInt(addressOf(name)),
      config2: BigInt(options.offset ?? 0),
      samplePeriod: 1n,
      wakeupEvents: 1,
    },
    { pid: -1, cpu: 0 },
    target,
  );
  void name; // alive until perf_event_open has copied the string
  return attachToPerfEvent(backend, program, perf, 'kprobe', target, options.cookie);
}
