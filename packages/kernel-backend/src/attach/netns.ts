import { AttachType } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { Link } from './link.js';
import { O_RDONLY, openFile } from './os-calls.js';

/**
 * BPF_LINK_CREATE on a network namespace: sk_lookup (BPF_SK_LOOKUP) and flow dissector programs.
 * `netns` is a namespace file: /proc/self/ns/net (default), /proc/<pid>/ns/net or /run/netns/<name>.
 */
export function attachNetns(
  backend: KernelBackend,
  program: FdArg,
  attachType: number = AttachType.SK_LOOKUP,
  netns = '/proc/self/ns/net',
): Link {
  const target = `netns ${netns}`;
  using namespace = openFile(netns, O_RDONLY, 'give a network namespace file such as /run/netns/<name>');
  const fd = backend.createLink({
    programFd: fdValue(program),
    targetFd: namespace.value,
    attachType,
    what: target,
  });
  return new Link('netns', target, backend, fd);
}
