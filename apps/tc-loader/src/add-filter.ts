import { existsSync } from 'node:fs';
import { NotFoundError, PinConflictError } from '@bpfkit/core';
import { attachTcx, interfaceIndex, type KernelBackend, type TcxDirection } from '@bpfkit/kernel-backend';
import { type LoadedObject, type Loader, mapPinPath } from '@bpfkit/loader';
import { parseTailCallSection, prepareIproute2PinRoot } from '@bpfkit/maps-iproute2';
import { linkPinPath } from './link-pin.js';
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
}

/** What `filter add` did, for people and (with --json) for scripts. */
export interface AttachedFilter {
  device: string;
  direction: TcxDirection;
  object: string;
  section: string;
  program: { name: string; id: number };
  /** the pin that keeps the tcx link (and so the program) attached */
  linkPin: string;
  maps: { name: string; id: number; pin: string | null; reused: boolean }[];
  /** each jump-table slot the object fills, with the id of the program the kernel now holds there */
  tailCalls: { map: string; slot: number; program: string; programId: number }[];
}

/**
 * tc's `filter add ... bpf obj FILE sec SECTION`, with a tcx link instead of cls_bpf: open the
 * object, load the chosen classifier and the tail-call programs (as tc loads only those), pin
 * the maps where tc would, attach, and pin the link so it outlives this process.
 */
export async function addFilter(loader: Loader, request: AddFilterRequest): Promise<AttachedFilter> {
  const { device, direction, section, pinRoot } = request;
  const linkPin = linkPinPath(pinRoot, device, direction);
  interfaceIndex(device); // a mistyped device fails before anything is loaded or pinned
  if (existsSync(linkPin)) {
    throw new PinConflictError(`a bpfkit-tc filter is already attached at tcx ${direction} of ${device}`, {
      hint: `remove it first: bpfkit-tc filter del dev ${device} ${direction} pin-root ${pinRoot}`,
    });
  }
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
  try {
    refillReusedJumpTables(loaded, slots);
    const program = loaded.program(entry.name);
    using link = attachTcx(loader.backend, program.fd, device, direction);
    link.pin(linkPin);
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
    linkPin,
    maps: [...loaded.maps.values()].map((map) => ({
      name: map.name,
      id: map.info().id,
      pin: mapPinPath(map.spec, pinRoot) ?? null,
      reused: map.reused,
    })),
    tailCalls: slots.map((s) => ({ ...s, programId: slotProgramId(loaded, s.map, s.slot) })),
  };
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
