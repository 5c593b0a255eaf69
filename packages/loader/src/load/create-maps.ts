import {
  isMapInMapType,
  KernelError,
  MapFlag,
  type MapSpec,
  MapType,
  NotFoundError,
  PinConflictError,
  withContext,
} from '@bpfkit/core';
import type { Fd, KernelBackend, MapCreateAttr } from '@bpfkit/kernel-backend';
import { mapTypeAcceptsBtfKeyValue } from '@bpfkit/maps-btf';
import { LiveMap } from '../live/live-map.js';
import type { KernelFeatures } from './kernel-features.js';
import type { LoadedBtf } from './load-btf.js';
import { mapIncompatibility } from './map-compatibility.js';
import { mapPinPath } from './pin-paths.js';
import type { LoadResources } from './resources.js';
import { adaptStructOpsMap, createStructOpsMap } from './struct-ops.js';

export interface CreateMapsOptions {
  pinRoot?: string;
  /** maps supplied by the caller instead of created: name -> fd (checked for compatibility) */
  replacements?: ReadonlyMap<string, Fd>;
  /** the object's BTF in the kernel, for key/value type ids */
  btf?: LoadedBtf | undefined;
  features: KernelFeatures;
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
  for (const declared of maps) {
    withContext('', { map: declared.name }, () => {
      const spec = adaptToKernel(declared, backend, options.features);
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
    // Our own descriptor: the caller keeps theirs, and closing the loaded object closes only ours.
    const fd = resources.adopt('map', spec.name, replacement.dup());
    return new LiveMap(spec, fd, backend, true);
  }

  const pinPath = mapPinPath(spec, options.pinRoot);
  const pinned = pinPath === undefined ? undefined : reusePin(spec, backend, resources, pinPath);
  if (pinned) return pinned;

  const created = createKernelMap(spec, backend, resources, options.btf);
  const map = new LiveMap(spec, created, backend);
  writeInitialContents(map, spec);
  if (spec.freeze) backend.mapFreeze(created);
  if (pinPath === undefined || resources.pin(spec.name, created, pinPath)) return map;

  // Another loader pinned the same path between our look and our pin (libbpf's "Fix race when
  // pinning maps in parallel"): share the winner's map after the same check, and drop ours.
  const winner = reusePin(spec, backend, resources, pinPath);
  if (!winner) {
    throw new PinConflictError(`${pinPath} existed when pinning map ${spec.name}, then vanished`, {
      hint: 'another process is pinning and removing this path: retry the load',
    });
  }
  resources.release(created);
  return winner;
}

/** The compatible map pinned at path, adopted by this load, or undefined when nothing is pinned. */
function reusePin(
  spec: MapSpec,
  backend: KernelBackend,
  resources: LoadResources,
  pinPath: string,
): LiveMap | undefined {
  const fd = openPinIfPresent(backend, pinPath);
  if (!fd) return undefined;
  try {
    checkCompatible(spec, fd, backend, `the map pinned at ${pinPath}`);
  } catch (error) {
    fd.close();
    throw error;
  }
  resources.adopt('map', spec.name, fd);
  return new LiveMap(spec, fd, backend, true);
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

function createKernelMap(
  spec: MapSpec,
  backend: KernelBackend,
  resources: LoadResources,
  btf?: LoadedBtf,
): Fd {
  let inner: Fd | undefined;
  if (isMapInMapType(spec.type)) {
    if (!spec.innerMap) {
      throw new NotFoundError('a map-in-map needs an inner map template', {
        hint: 'set innerMap on the spec (BTF: __array(values, ...); iproute2: inner_id)',
      });
    }
    inner = createKernelMap(spec.innerMap, backend, resources, btf);
  }
  const attr: MapCreateAttr = {
    type: spec.type,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags,
    name: spec.kernelName ?? spec.name,
    ...(inner ? { innerMapFd: inner.value } : {}),
    ...(spec.numaNode === undefined ? {} : { numaNode: spec.numaNode }),
    ...(spec.mapExtra === undefined ? {} : { mapExtra: spec.mapExtra }),
  };
  const typed = btf?.fd && spec.btfValueTypeId && mapTypeAcceptsBtfKeyValue(spec.type);
  let fd: Fd;
  if (spec.kind === 'struct-ops') {
    fd = createStructOpsMap(spec, attr, backend, btf?.fd);
  } else if (typed) {
    const withBtf = {
      ...attr,
      btfFd: btf.fd!.value,
      btfKeyTypeId: spec.btfKeyTypeId ?? 0,
      btfValueTypeId: spec.btfValueTypeId!,
    };
    try {
      fd = backend.createMap(withBtf);
    } catch {
      // libbpf's bpf_object__create_map: when the kernel refuses the BTF types, retry without them.
      fd = backend.createMap(attr);
    }
  } else {
    fd = backend.createMap(attr);
  }
  resources.adopt('map', spec.name, fd);
  // The kernel keeps what it needs of the template; libbpf closes it right after, and so do we.
  if (inner) resources.release(inner);
  return fd;
}

/**
 * What depends on the running kernel, decided at load so specs stay machine-independent:
 * PERF_EVENT_ARRAY sized to the possible CPUs when left 0, BPF_F_MMAPABLE dropped where unsupported,
 * struct_ops values sized to the kernel's wrapper struct; the same for an inner-map template.
 */
function adaptToKernel(spec: MapSpec, backend: KernelBackend, features: KernelFeatures): MapSpec {
  let adapted = spec;
  if (spec.type === MapType.PERF_EVENT_ARRAY && spec.maxEntries === 0) {
    adapted = { ...adapted, maxEntries: backend.possibleCpus() };
  }
  if (spec.kind === 'struct-ops') adapted = adaptStructOpsMap(adapted);
  if (spec.flags & MapFlag.MMAPABLE && !features.mmapableArrays) {
    adapted = { ...adapted, flags: spec.flags & ~MapFlag.MMAPABLE };
  }
  // Inner templates too (libbpf sizes a PERF_EVENT_ARRAY template as it sizes any such map).
  if (spec.innerMap) adapted = { ...adapted, innerMap: adaptToKernel(spec.innerMap, backend, features) };
  return adapted;
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
