import { readFileSync } from 'node:fs';

// Capability bits from include/uapi/linux/capability.h.
const CAP_SYS_ADMIN = 21n;
const CAP_BPF = 39n;

let cached: boolean | undefined;

/**
 * True when the process's effective set has CAP_SYS_ADMIN or CAP_BPF. Read once: an EPERM from a
 * process that holds them is not a capability problem and is reported differently.
 */
export function holdsBpfCapabilities(): boolean {
  if (cached === undefined) {
    try {
      const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
      const effective = match ? BigInt(`0x${match[1]}`) : 0n;
      cached = ((effective >> CAP_SYS_ADMIN) & 1n) === 1n || ((effective >> CAP_BPF) & 1n) === 1n;
    } catch {
      cached = false;
    }
  }
  return cached;
}
