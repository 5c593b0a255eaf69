import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { NotFoundError } from '@bpfkit/core';

/**
 * The running kernel's config text, from where libbpf's bpf_object__read_kconfig_file looks:
 * /boot/config-$(uname -r) first, then /proc/config.gz (gunzipped). Parse it with parseKconfig.
 */
export function readKernelConfig(kernelRelease: string = release()): string {
  const boot = `/boot/config-${kernelRelease}`;
  if (existsSync(boot)) return readFileSync(boot, 'utf8');
  if (existsSync('/proc/config.gz')) return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  throw new NotFoundError(`no kernel config: neither ${boot} nor /proc/config.gz exists`, {
    hint: 'build the kernel with CONFIG_IKCONFIG_PROC, or pass the config values to buildKconfigData yourself',
  });
}

/** The text of /proc/kallsyms; parse it with parseKallsyms. Addresses read as 0 unless root. */
export function readKallsyms(): string {
  return readFileSync('/proc/kallsyms', 'utf8');
}
