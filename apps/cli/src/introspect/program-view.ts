import { programTypeName } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import { bootTimeToUnixSeconds } from './boot-clock.js';
import type { KernelBtfCache } from './btf-names.js';
import { fdinfo, fdinfoNumber } from './fdinfo.js';

/** A program as `bpftool prog show --json` prints it: the same field names, values and presence. */
export interface ProgramView {
  id: number;
  type: string;
  /** the full name from BTF func info, where the kernel's is cut to 15 characters */
  name: string;
  tag: string;
  gpl_compatible: boolean;
  loaded_at?: number;
  uid: number;
  bytes_xlated: number;
  jited: boolean;
  bytes_jited?: number;
  bytes_memlock?: number;
  map_ids?: number[];
  btf_id?: number;
}

export function describeProgram(backend: KernelBackend, fd: Fd, btfs: KernelBtfCache): ProgramView {
  const info = backend.programInfo(fd);
  const memlock = fdinfoNumber(fdinfo(backend, fd), 'memlock');
  const loadedAt = info.loadTime === undefined ? undefined : bootTimeToUnixSeconds(info.loadTime);
  // bpftool leaves out bytes_jited when not jited, map_ids when there are none, btf_id when 0
  return {
    id: info.id,
    type: programTypeName(info.type),
    name: btfs.programName(info.name, info.btfId, info.funcTypeId),
    tag: info.tag,
    gpl_compatible: info.gplCompatible ?? false,
    ...(loadedAt === undefined ? {} : { loaded_at: loadedAt }),
    uid: info.createdByUid ?? 0,
    bytes_xlated: info.xlatedLength,
    jited: info.jitedLength > 0,
    ...(info.jitedLength > 0 ? { bytes_jited: info.jitedLength } : {}),
    ...(memlock === undefined ? {} : { bytes_memlock: memlock }),
    ...(info.mapIds.length > 0 ? { map_ids: info.mapIds } : {}),
    ...(info.btfId ? { btf_id: info.btfId } : {}),
  };
}
