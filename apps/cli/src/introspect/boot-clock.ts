import { readFileSync } from 'node:fs';

/**
 * A CLOCK_BOOTTIME instant (ns, as bpf_prog_info.load_time) as Unix seconds, computed as bpftool's
 * print_boot_time does: wall-clock seconds minus seconds since boot (/proc/uptime counts boot
 * time), plus the instant's seconds. Undefined without /proc.
 */
export function bootTimeToUnixSeconds(bootNs: bigint): number | undefined {
  try {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (!Number.isFinite(uptime)) return undefined;
    return Math.floor(Date.now() / 1000) - Math.floor(uptime) + Number(bootNs / 1_000_000_000n);
  } catch {
    return undefined;
  }
}
