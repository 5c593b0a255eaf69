import { readFileSync } from 'node:fs';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';

/**
 * The `key: value` lines of /proc/self/fdinfo/<fd> (memlock, frozen, ...), where bpftool reads
 * bytes_memlock and frozen from; undefined for the simulated kernel or without /proc.
 */
export function fdinfo(backend: KernelBackend, fd: Fd): Map<string, string> | undefined {
  if (backend.kind !== 'linux') return undefined;
  try {
    const text = readFileSync(`/proc/self/fdinfo/${fd.value}`, 'utf8');
    const fields = new Map<string, string>();
    for (const line of text.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
    return fields;
  } catch {
    return undefined;
  }
}

/** A numeric fdinfo field, when present. */
export function fdinfoNumber(fields: Map<string, string> | undefined, key: string): number | undefined {
  const text = fields?.get(key);
  return text === undefined || !/^\d+$/.test(text) ? undefined : Number(text);
}
