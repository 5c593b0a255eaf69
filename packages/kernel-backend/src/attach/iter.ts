import { AttachType } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { Link } from './link.js';
import { readToEnd } from './os-calls.js';

export interface IterAttachOptions {
  /** for map iterators (bpf_map_elem, ...): the map to walk (union bpf_iter_link_info.map.map_fd) */
  mapFd?: FdArg;
}

/** BPF_LINK_CREATE with BPF_TRACE_ITER: the program runs each time an iterator of the link is read. */
export function attachIter(backend: KernelBackend, program: FdArg, options: IterAttachOptions = {}): Link {
  const iterInfo = options.mapFd === undefined ? undefined : Uint32Array.of(fdValue(options.mapFd));
  const target = options.mapFd === undefined ? 'iter' : `iter over map fd ${fdValue(options.mapFd)}`;
  const fd = backend.createLink({
    programFd: fdValue(program),
    attachType: AttachType.TRACE_ITER,
    ...(iterInfo ? { iterInfo: new Uint8Array(iterInfo.buffer) } : {}),
    what: target,
  });
  return new Link('iter', target, backend, fd);
}

/**
 * BPF_ITER_CREATE, then read(2) until end of file: the bytes the program wrote with
 * bpf_seq_printf / bpf_seq_write in one pass. Each call is a fresh pass.
 */
export function readIterator(backend: KernelBackend, link: Link | FdArg): Uint8Array {
  const linkFd = link instanceof Link ? link.fd : link;
  if (linkFd === undefined) throw new TypeError('readIterator needs the link of an iter program');
  using iterator = backend.createIterator(linkFd);
  return readToEnd(iterator.value, `iterator of link ${fdValue(linkFd)}`);
}

/** readIterator as text (UTF-8). */
export function readIteratorText(backend: KernelBackend, link: Link | FdArg): string {
  return Buffer.from(readIterator(backend, link)).toString('utf8');
}
