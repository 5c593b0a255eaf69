import { UsageError } from '@bpfkit/core';

/** How a command names a kernel object: `42`, `id 42`, `name NAME`, `pinned PATH`, a path, or a name. */
export type ObjectRef = { by: 'id'; id: number } | { by: 'name'; name: string } | { by: 'pin'; path: string };

export function parseObjectRef(positionals: readonly string[], command: string): ObjectRef {
  const [first, second, ...extra] = positionals;
  const usage = () =>
    new UsageError(`${command} takes an id, a name or a pin path`, {
      hint: `bpfkit ${command} 42 | bpfkit ${command} NAME | bpfkit ${command} /sys/fs/bpf/PIN (bpftool's "id 42", "name NAME", "pinned PATH" work too)`,
    });
  if (first === undefined || extra.length > 0) throw usage();
  if (second !== undefined) {
    if (first === 'id' && /^\d+$/.test(second)) return { by: 'id', id: Number(second) };
    if (first === 'name') return { by: 'name', name: second };
    if (first === 'pinned') return { by: 'pin', path: second };
    throw usage();
  }
  if (/^\d+$/.test(first)) return { by: 'id', id: Number(first) };
  if (first.includes('/')) return { by: 'pin', path: first };
  return { by: 'name', name: first };
}
