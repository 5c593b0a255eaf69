import { readFileSync } from 'node:fs';

/** Counts the CPUs of a kernel cpu list ("0-3,5,7-8" -> 7), as libbpf_num_possible_cpus does. */
export function countCpuList(list: string): number {
  let count = 0;
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`malformed cpu list "${list.trim()}"`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`malformed cpu range "${part}"`);
    count += last - first + 1;
  }
  return count;
}

let cached: number | undefined;

/** Possible CPUs of this machine: the number of value slots of a per-CPU map. */
export function hostPossibleCpus(): number {
  cached ??= countCpuList(readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
  return cached;
}
