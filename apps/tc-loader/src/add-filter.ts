import { NotFoundError, PinConflictError } from '@bpfkit/core';
import { interfaceIndex, type KernelBackend, type TcxDirection } from '@bpfkit/kernel-backend';
import { type LoadedObject, type Loader, mapPinPath } from '@bpfkit/loader';
import { parseTailCallSection, prepareIproute2PinRoot } from '@bpfkit/maps-iproute2';
import type { TcMode } from './args.js';
import { attachClassifier, attachmentPin, chooseTcMode } from './attach-classifier.js';
import { openPin } from './link-pin.js';
import { refillReusedJumpTables, slotProgramId, tailCallSlots } from './tail-calls.js';

export interface AddFilterRequest {
  device: string;
  direction: TcxDirection;
  /** path of the object file (or its bytes) */
  object: string | Uint8Array;
  /** the section of the classifier to attach */
  section: string;
  /** the bpffs mount maps and the link are pinned under */
  pinRoot: string;
  /** tcx link or cls_bpf filter; default tcx where the kernel has it (hasTcx), netlink otherwise */
  mode?: TcMode;
}

/** What `filter add` did, for people and (with --json) for scripts. */
export interface AttachedFilter {
  device: string;
  direction: TcxDirection;
  object: string;
  section: string;
  program: { name: string; id: number };
  /** how it is attached: a tcx link, or a cls_bpf filter made through rtnetlink */
  mode: TcMode;
  /** the pin of the tcx link (which keeps it attached), or (netlink) of the filter's program */
  linkPin: string;
  /** netlink: the filter as the kernel made it, as `tc filter show` lists it */
  filter?: { priority: number; handle: number; name: string };
  maps: { name: string; id: number; pin: string | null; reused: boolean }[];
  /** each jump-table slot the object fills, with the id of the program the kernel now holds there */
  tailCalls: { map: string; slot: number; program: string; programId: number }[];
}

/**
 * tc's `filter add ... bpf obj FILE sec SECTION`: open the object, load the chosen classifier and
 * the tail-call programs (as tc loads only those), pin the maps where tc would, and attach so that
 * the classifier outlives this process: a pinned tcx link, or where the kernel has no tcx (or the
 * request says netlink) a cls_bpf filter, as tc makes it.
 */
export async function addFilter(loader: Loader, request: AddFilterRequest): Promise<AttachedFilter> {
  const { device, direction, section, pinRoot } = request;
  interfaceIndex(device); // a mistyped device fails before anything is loaded or pinned
  const pins = (['tcx', 'netlink'] as const).map((m) => attachmentPin(m, request));
  if (pins.some((path) => isPinned(loader.backend, path))) {
    throw new PinConflictError(`a bpfkit-tc filter is already attached at ${direction} of ${device}`, {
      hint: `remove it first: bpfkit-tc filter del dev ${device} ${direction} pin-root ${pinRoot}`,
    });
  }
  const mode = chooseTcMode(loader.backend, request.mode);
  const spec = loader.open(request.object);
  const entry = spec.programs.find((p) => p.section === section);
  if (!entry) {
    throw new NotFoundError(`no program in section ${section}`, {
      location: { object: spec.name, section },
      hint: `sections with programs: ${spec.programs.map((p) => p.section).join(', ')}`,
    });
  }
  prepareIproute2PinRoot(pinRoot, spec);
  const wanted = (name: string, programSection: string) =>
    name === entry.name || parseTailCallSection(programSection) !== undefined;
  using loaded = await loader.load(spec, { pinRoot, select: (p) => wanted(p.name, p.section) });
  const slots = tailCallSlots(spec).filter((s) => loaded.programs.has(s.program));
  const objectName = typeof request.object === 'string' ? request.object : `${spec.name}.o`;
  let attached: ReturnType<typeof attachClassifier>;
  try {
    refillReusedJumpTables(loaded, slots);
    attached = attachClassifier(loader.backend, loaded.program(entry.name), request, mode, objectName);
  } catch (error) {
    unpinCreatedMaps(loader.backend, loaded, pinRoot);
    throw error;
  }
  return {
    device,
    direction,
    object: typeof request.object === 'string' ? request.object : spec.name,
    section,
    program: { name: entry.name, id: loaded.program(entry.name).info().id },
    mode,
    linkPin: attached.pin,
    ...(attached.filter?.bpf
      ? {
          filter: {
            priority: attached.filter.priority,
            handle: attached.filter.handle,
            name: attached.filter.bpf.name,
          },
        }
      : {}),
    maps: [...loaded.maps.values()].map((map) => ({
      name: map.name,
      id: map.info().id,
      pin: mapPinPath(map.spec, pinRoot) ?? null,
      reused: map.reused,
    })),
    tailCalls: slots.map((s) => ({ ...s, programId: slotProgramId(loaded, s.map, s.slot) })),
  };
}

function isPinned(backend: KernelBackend, path: string): boolean {
  const fd = openPin(backend, path);
  fd?.close();
  return fd !== undefined;
}

/** A failed attach leaves no trace: the pins of maps this load created go again (reused pins stay). */
function unpinCreatedMaps(backend: KernelBackend, loaded: LoadedObject, pinRoot: string): void {
  for (const map of loaded.maps.values()) {
    const pin = mapPinPath(map.spec, pinRoot);
    try {
      if (pin !== undefined && !map.reused) backend.unpin(pin);
    } catch {
      // keep the attach error; a pin that cannot go now is removed with rm like any other
    }
  }
}
