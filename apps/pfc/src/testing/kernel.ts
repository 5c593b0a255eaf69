import { MapType } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';

/**
 * Why the real kernel cannot be used here, or undefined when it can. Under
 * BPFKIT_REQUIRE_KERNEL=1 (CI) a test that would skip throws instead, so a skip never passes CI.
 */
export function kernelSkipReason(): string | undefined {
  let reason: string | undefined;
  try {
    new LinuxBackend()
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, name: 'probe' })
      .close();
  } catch (error) {
    reason = `bpf() unavailable: ${(error as Error).message}`;
  }
  if (reason && process.env.BPFKIT_REQUIRE_KERNEL === '1') {
    throw new Error(`kernel test required (BPFKIT_REQUIRE_KERNEL=1) but cannot run: ${reason}`);
  }
  return reason;
}
