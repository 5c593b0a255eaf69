import { loadKernelBtf } from '@bpfkit/btf';
import { AttachType, KernelError, MapFlag, NotFoundError, UsageError } from '@bpfkit/core';
import { type KernelBackend, Link } from '@bpfkit/kernel-backend';
import type { LiveMap } from './live/live-map.js';
import type { LiveProgram } from './live/live-program.js';
import { isStructOpsMap, structOpsMapValue } from './load/struct-ops.js';
import { structOpsLayout } from './load/struct-ops-value.js';

const KEY_ZERO = new Uint8Array(4);
const EBUSY = 16;

/**
 * Registers a struct_ops map with the kernel, as libbpf's bpf_map__attach_struct_ops does: the
 * value (scalars and program fds) goes in with BPF_MAP_UPDATE_ELEM of key 0. A plain `.struct_ops`
 * map is registered by that update and stays registered until its element is deleted, which is
 * what closing the returned Link does (it keeps its own map fd for that). A `.struct_ops.link` map
 * is only made ready by the update; BPF_LINK_CREATE with BPF_STRUCT_OPS registers it, and closing
 * the link fd unregisters it.
 */
export function attachStructOps(
  mapName: string,
  maps: ReadonlyMap<string, LiveMap>,
  programs: ReadonlyMap<string, LiveProgram>,
  backend: KernelBackend,
): Link {
  const map = maps.get(mapName);
  if (!map) {
    const names = [...maps.values()].filter((m) => isStructOpsMap(m.spec)).map((m) => m.name);
    throw new NotFoundError(`no struct_ops map named ${mapName}`, {
      hint: names.length > 0 ? `struct_ops maps: ${names.join(', ')}` : 'this object has no struct_ops maps',
    });
  }
  if (!isStructOpsMap(map.spec)) {
    throw new UsageError(`map ${mapName} is not a struct_ops map`, { location: { map: mapName } });
  }
  const value = structOpsMapValue(map.spec, structOpsLayout(map.spec, loadKernelBtf()), programs);
  const target = `struct_ops ${mapName} (struct ${map.spec.structOps?.typeName})`;
  const viaLink = (map.spec.flags & MapFlag.LINK) !== 0;
  try {
    map.update(KEY_ZERO, value);
  } catch (error) {
    // A link map's value can be set once; a second attach reuses it (as libbpf skips EBUSY).
    if (!(viaLink && error instanceof KernelError && error.errno === EBUSY)) throw explain(error, mapName);
  }
  if (viaLink) {
    const fd = backend.createLink({
      programFd: map.fd.value,
      attachType: AttachType.STRUCT_OPS,
      what: target,
    });
    return new Link('struct_ops', target, backend, fd);
  }
  const own = map.fd.dup();
  return new Link('struct_ops', target, backend, undefined, [
    () => own.close(),
    // teardowns run last-first: unregister before the fd goes
    () => backend.mapDelete(own, KEY_ZERO),
  ]);
}

function explain(error: unknown, mapName: string): unknown {
  if (error instanceof KernelError && error.errno === EBUSY) {
    return new UsageError(`struct_ops ${mapName} is registered already`, {
      location: { map: mapName },
      hint: 'close the Link of the first attach before attaching again',
      cause: error,
    });
  }
  if (error instanceof KernelError && error.errno === 17 /* EEXIST */) {
    return new KernelError(
      error.syscall,
      error.errno,
      `registering struct_ops ${mapName}: ${error.message}`,
      {
        location: { map: mapName },
        hint: 'the kernel has a struct_ops of this name already (a tcp_congestion_ops name, say): rename it',
        cause: error,
      },
    );
  }
  return error;
}
