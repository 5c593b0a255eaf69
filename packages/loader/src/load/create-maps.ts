import {
  isMapInMapType,
  KernelError,
  type MapSpec,
  NotFoundError,
  PinConflictError,
  withContext,
} from '@bpfkit/core';
import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';
import { LiveMap } from '../live/live-map.js';
import { mapIncompatibility } from './map-compatibility.js';
import { mapPinPath } from './pin-paths.js';
import type { LoadResources } from './resources.js';

export interface CreateMapsOptions {
  pinRoot?: string;
  /** maps supplied by the caller instead of created: name -> fd (checked for compatibility) */
  replacements?: ReadonlyMap<string, Fd>;
}

/**
 * Creates every map of the spec (or reuses a compatible pin or replacement), writes initial
 * contents and freezes read-only data. Program-array slots are filled later, once programs exist.
 */
export function createMaps(
  maps: readonly MapSpec[],
  backend: KernelBackend,
  resources: LoadResources,
  options: CreateMapsOptions,
): Map<string, LiveMap> {
  const live = new Map<string, LiveMap>();
  for (const spec of maps) {
    withContext('', { map: spec.name }, () => {
      live.set(spec.name, createOne(spec, backend, resources, options));
    });
  }
  return live;
}

function createOne(
  spec: MapSpec,
  backend: KernelBackend,
  resources: LoadResources,
  options: CreateMapsOptions,
): LiveMap {
  const replacement = options.replacements?.get(spec.name);
  if (replacement) {
    checkCompatible(spec, replacement, backend, `the replacement for map ${spec.name}`);
    return new LiveMap(spec, replacement, backend, true);
  }

  const pinPath = mapPinPath(spec, options.pinRoot);
  const fd = pinPath === undefined ? undefined : openPinIfPresent(backend, pinPath);
  if (fd) {
    try {
      checkCompatible(spec, fd, backend, `the map pinned at ${pinPath}`);
    } catch (error) {
      fd.close();
      throw error;
    }
    resources.adopt('map', spec.name, fd);
    return new LiveMap(spec, fd, backend, true);
  }

  const created = createKernelMap(spec, backend, resources);
  const map = new LiveMap(spec, created, backend);
  writeInitialContents(map, spec);
  if (spec.freeze) backend.mapFreeze(created);
  if (pinPath !== undefined) resources.pin(spec.name, created, pinPath);
  return map;
}

/** The map pinned at path, or undefined when nothing is pinned there (ENOENT). */
function openPinIfPresent(backend: KernelBackend, path: string): Fd | undefined {
  try {
    return backend.getPinned(path);
  } catch (error) {
    if (error instanceof KernelError && error.errno === 2 /* ENOENT */) return undefined;
    throw error;
  }
}

function createKernelMap(spec: MapSpec, backend: KernelBackend, resources: LoadResources): Fd {
  let inner: Fd | undefined;
  if (isMapInMapType(spec.type)) {
    if (!spec.innerMap) {
      throw new NotFoundError('a map-in-map needs an inner map template', {
        hint: 'set innerMap on the spec (BTF: __array(values, ...); iproute2: inner_id)',
      });
    }
    inner = createKernelMap(spec.innerMap, backend, resources);
  }
  const fd = backend.createMap({
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    name: spec.name,
    ...(inner ? { innerMapFd: inner.value } : {}),
    ...(spec.numaNode === undefined ? {} : { numaNode: spec.numaNode }),
    ...(spec.mapExtra === undefined ? {} : { mapExtra: spec.mapExtra }),
  });
  resources.adopt('map', spec.name, fd);
  // The kernel keeps what it needs of the template; libbpf closes it right after, and so do we.
  if (inner) resources.release(inner);
  return fd;
}

function writeInitialContents(map: LiveMap, spec: MapSpec): void {
  if (spec.initialData) {
    const value = new Uint8Array(spec.valueSize);
    value.set(spec.initialData.subarray(0, spec.valueSize));
    map.update(new Uint8Array(4), value);
  }
  for (const entry of spec.contents ?? []) {
    if ('value' in entry) map.update(entry.key, entry.value);
  }
}

function checkCompatible(spec: MapSpec, fd: Fd, backend: KernelBackend, what: string): void {
  const why = mapIncompatibility(spec, backend.mapInfo(fd));
  if (why) {
    throw new PinConflictError(`${what} does not match the spec: ${why}`, {
      hint: 'remove the stale pin (or fix the definition); bpfkit left it untouched',
    });
  }
}
