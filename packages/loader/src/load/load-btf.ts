import { type Btf, encodeBtf, sanitizeBtf } from '@bpfkit/btf';
import type { EventSink, ObjectSpec } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import type { KernelFeatures } from './kernel-features.js';
import type { LoadResources } from './resources.js';

/** The object's BTF as loaded into the kernel (fd) and as parsed here (for names and source lines). */
export interface LoadedBtf {
  btf: Btf;
  fd?: Fd;
}

/**
 * Sanitizes the object's BTF for the running kernel and loads it (libbpf's
 * bpf_object__sanitize_and_load_btf). As in libbpf, BTF the kernel refuses is optional: a warning
 * says why, and maps and programs load without it.
 */
export function loadObjectBtf(
  spec: ObjectSpec,
  btf: Btf | undefined,
  backend: KernelBackend,
  features: KernelFeatures,
  resources: LoadResources,
  events: EventSink,
): LoadedBtf | undefined {
  if (!btf) return undefined;
  const sanitized = sanitizeBtf(btf, features.btf);
  try {
    const fd = backend.loadBtf(sanitized === btf ? btf.bytes : encodeBtf(sanitized));
    resources.adopt('btf', spec.name, fd);
    return { btf, fd };
  } catch (error) {
    events.emit({
      type: 'warning',
      message: `the kernel refused the object's BTF (${(error as Error).message}); loading without it`,
      location: { object: spec.name, section: '.BTF' },
    });
    return { btf };
  }
}
