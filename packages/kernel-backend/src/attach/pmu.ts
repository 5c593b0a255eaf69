import { existsSync, readFileSync } from 'node:fs';
import { KernelError, NotSupportedError } from '@bpfkit/core';

const DEVICES = '/sys/bus/event_source/devices';

/** The dynamic PMU of kprobes or uprobes: its perf type and the config bit that makes a retprobe. */
export interface ProbePmu {
  type: number;
  retprobeBit: number;
}

const cache = new Map<string, ProbePmu>();

/** Reads /sys/bus/event_source/devices/<pmu>/type and format/retprobe ("config:0"). */
export function probePmu(pmu: 'kprobe' | 'uprobe', feature: string): ProbePmu {
  const known = cache.get(pmu);
  if (known) return known;
  const dir = `${DEVICES}/${pmu}`;
  if (!existsSync(`${dir}/type`)) {
    throw new NotSupportedError(feature, `${feature} is not available: ${dir} does not exist`, {
      hint: `the running kernel was built without the ${pmu} PMU`,
    });
  }
  const type = Number(readFileSync(`${dir}/type`, 'latin1').trim());
  const format = readFileSync(`${dir}/format/retprobe`, 'latin1').trim();
  const match = /^config:(\d+)$/.exec(format);
  if (!match) {
    throw new KernelError('read', 22, `unexpected ${dir}/format/retprobe: ${JSON.stringify(format)}`);
  }
  const found = { type, retprobeBit: Number(match[1]) };
  cache.set(pmu, found);
  return found;
}

let refCtrShift: number | null | undefined;

/**
 * The bit of perf_event_attr.config where a uprobe's reference counter offset goes (format
 * "config:32-63", PERF_UPROBE_REF_CTR_OFFSET_SHIFT), or undefined on kernels whose uprobe PMU
 * cannot count references (before 4.20): USDT semaphores need it.
 */
export function uprobeRefCtrShift(): number | undefined {
  if (refCtrShift === undefined) {
    const file = `${DEVICES}/uprobe/format/ref_ctr_offset`;
    const match = existsSync(file) ? /^config:(\d+)-\d+$/.exec(readFileSync(file, 'latin1').trim()) : null;
    refCtrShift = match ? Number(match[1]) : null;
  }
  return refCtrShift ?? undefined;
}
