import { ProgramType, parseSectionName, UsageError } from '@bpfkit/core';
import { type Attacher, type AttachOptions, requireAttachOption } from '../attacher.js';
import { attachUsdt } from './usdt-attach.js';
import { usdtMaps } from './usdt-maps.js';

/** What the usdt attacher reads beyond the common options. */
export interface UsdtAttacherOptions extends AttachOptions {
  /** what bpf_usdt_cookie() returns (libbpf's bpf_usdt_opts.usdt_cookie) */
  usdtCookie?: bigint;
}

/** "PATH:PROVIDER:NAME", as libbpf's attach_usdt reads a section "usdt/PATH:PROVIDER:NAME". */
export function parseUsdtTarget(target: string): { binary: string; provider: string; name: string } {
  const match = /^([^:]+):([^:]+):([^:]+)$/.exec(target);
  if (!match) {
    throw new UsageError(`USDT target '${target}' is not 'binary:provider:name'`, {
      hint: 'write the section as SEC("usdt/PATH:PROVIDER:NAME"), or give options.target',
    });
  }
  return { binary: match[1]!, provider: match[2]!, name: match[3]! };
}

/**
 * Programs in usdt/ and usdt.s/ sections (libbpf's SEC_USDT): attached to the probe their section
 * (or options.target) names, in every process (or options.pid), with the spec maps of their
 * object (AttachableProgram.maps). It must come before the generic probe attacher, which takes
 * every kprobe-typed program.
 */
export const usdtAttacher: Attacher = {
  name: 'usdt',
  accepts: (program) =>
    program.type === ProgramType.KPROBE &&
    program.section !== undefined &&
    parseSectionName(program.section)?.definition.usdt === true,
  attach: (program, options: UsdtAttacherOptions, backend) => {
    const target = requireAttachOption(
      program,
      options.target ?? program.attachTarget,
      "a USDT 'binary:provider:name'",
    );
    return attachUsdt(backend, program.fd, {
      ...parseUsdtTarget(target),
      maps: usdtMaps(program.maps, program.name),
      ...(options.pid === undefined ? {} : { pid: options.pid }),
      ...(options.usdtCookie === undefined ? {} : { cookie: options.usdtCookie }),
    });
  },
};
