import { programTypeName, UsageError } from '@bpfkit/core';
import type { KernelBackend } from '../backend.js';
import type { AttachableProgram, Attacher, AttachOptions } from './attacher.js';
import { defaultAttachers } from './default-attachers.js';
import type { Link } from './link.js';

/**
 * Attaches a loaded program with the first attacher that accepts it, like libbpf's
 * bpf_program__attach (the attach_* function of each SEC definition). Options supply what a section
 * cannot name (an interface, a cgroup, a socket).
 */
export function attachProgram(
  backend: KernelBackend,
  program: AttachableProgram,
  options: AttachOptions = {},
  attachers: readonly Attacher[] = defaultAttachers,
): Link {
  const attacher = attachers.find((a) => a.accepts(program, options, backend));
  if (!attacher) {
    throw new UsageError(`no attacher for ${programTypeName(program.type)} program ${program.name}`, {
      location: { program: program.name, ...(program.section ? { section: program.section } : {}) },
      hint: 'attach it with the function for its hook (attachXdp, attachCgroup, ...), or add an attacher plugin',
    });
  }
  return attacher.attach(program, options, backend);
}
