import { mapTypeName } from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import { fdinfo, fdinfoNumber } from './fdinfo.js';

/** A map as `bpftool map show --json` prints it: the same field names, values and presence. */
export interface MapView {
  id: number;
  type: string;
  name: string;
  flags: number;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
  bytes_memlock?: number;
  frozen?: number;
  btf_id?: number;
}

export function describeMap(backend: KernelBackend, fd: Fd): MapView {
  const info = backend.mapInfo(fd);
  const fields = fdinfo(backend, fd);
  const memlock = fdinfoNumber(fields, 'memlock');
  const frozen = fdinfoNumber(fields, 'frozen');
  return {
    id: info.id,
    type: mapTypeName(info.type),
    name: info.name,
    flags: info.flags,
    bytes_key: info.keySize,
    bytes_value: info.valueSize,
    max_entries: info.maxEntries,
    ...(memlock === undefined ? {} : { bytes_memlock: memlock }),
    ...(frozen === undefined ? {} : { frozen }),
    ...(info.btfId ? { btf_id: info.btfId } : {}),
  };
}
