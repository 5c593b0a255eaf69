import { readFileSync } from 'node:fs';
import { UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { Link } from './link.js';
import { attachToPerfEvent, openPerfEvent, PerfType } from './perf-event.js';

export interface PerfEventProgramOptions {
  /** PerfType.SOFTWARE / HARDWARE... (default SOFTWARE) */
  type?: number;
  /** PerfSoftware.CPU_CLOCK, PerfHardware.CPU_CYCLES... */
  config: number | bigint;
  /** run the program every N events (exclusive with frequency) */
  samplePeriod?: number | bigint;
  /** or N times per second */
  frequency?: number;
  /** CPUs to sample on; default every online CPU */
  cpus?: readonly number[];
  /** one process (-1: all, the default) */
  pid?: number;
}

/**
 * A perf_event program on a software or hardware event, one perf event per CPU (libbpf's
 * attach_perf_event, called per CPU as its examples do). The returned Link owns them all.
 */
export function attachPerfEventProgram(
  backend: KernelBackend,
  program: FdArg,
  options: PerfEventProgramOptions,
): Link {
  if (options.samplePeriod === undefined && options.frequency === undefined) {
    throw new UsageError('a perf_event program needs samplePeriod or frequency');
  }
  const cpus = options.cpus ?? onlineCpus();
  const type = options.type ?? PerfType.SOFTWARE;
  const parts: Link[] = [];
  try {
    for (const cpu of cpus) {
      const target = `perf event ${type}:${options.config} on cpu ${cpu}`;
      const perf = openPerfEvent(
        {
          type,
          config: BigInt(options.config),
          samplePeriod: BigInt(options.frequency ?? options.samplePeriod ?? 0),
          freq: options.frequency !== undefined,
        },
        { pid: options.pid ?? -1, cpu },
        target,
      );
      parts.push(attachToPerfEvent(backend, program, perf, 'perf_event', target));
    }
  } catch (error) {
    for (const part of parts) part.close();
    throw error;
  }
  const target = `perf event ${type}:${options.config} on cpus ${cpus.join(',')}`;
  return new Link(
    'perf_event',
    target,
    backend,
    undefined,
    parts.map((part) => () => part.close()),
  );
}

/** /sys/devices/system/cpu/online as a list of CPU numbers ("0-3,6" -> [0,1,2,3,6]). */
export function onlineCpus(text?: string): number[] {
  const list = text ?? readOnline();
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

function readOnline(): string {
  return readFileSync('/sys/devices/system/cpu/online', 'latin1');
}
