import { join } from 'node:path';
import type { MapSpec } from '@bpfkit/core';

/** libbpf's default pin root for LIBBPF_PIN_BY_NAME maps. */
export const DEFAULT_PIN_ROOT = '/sys/fs/bpf';

/** Where a map is pinned, or undefined when it is not: `<pin root>/<name>` for by-name pins. */
export function mapPinPath(spec: MapSpec, pinRoot: string = DEFAULT_PIN_ROOT): string | undefined {
  switch (spec.pinning.kind) {
    case 'none':
      return undefined;
    case 'by-name':
      return join(pinRoot, spec.name);
    case 'path':
      return spec.pinning.path.startsWith('/') ? spec.pinning.path : join(pinRoot, spec.pinning.path);
  }
}
