import { attachTypeName } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../backend.js';
import { fdValue } from '../fd.js';
import { Link } from './link.js';

export interface TracingAttachOptions {
  /** the bpf_cookie the program reads with bpf_get_attach_cookie */
  cookie?: bigint;
}

/**
 * BPF_LINK_CREATE for programs that carry their target from load (attach_btf_id): tp_btf
 * (BPF_TRACE_RAW_TP), fentry/fexit/fmod_ret, lsm. The attach type is the one the program was
 * loaded with. (On kernels without BPF trampolines fentry/fexit/lsm are refused at load already.)
 */
export function attachTracing(
  backend: KernelBackend,
  program: FdArg,
  attachType: number,
  options: TracingAttachOptions = {},
): Link {
  const target = attachTypeName(attachType);
  const fd = backend.createLink({
    programFd: fdValue(program),
    attachType,
    ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
    what: target,
  });
  return new Link('tracing', target, backend, fd);
}

/** BPF_RAW_TRACEPOINT_OPEN: a raw_tp program on a tracepoint by name ('sched_switch'). */
export function attachRawTracepoint(backend: KernelBackend, program: FdArg, name: string): Link {
  const fd = backend.openRawTracepoint(program, name);
  return new Link('raw_tracepoint', `raw_tp ${name}`, backend, fd);
}
