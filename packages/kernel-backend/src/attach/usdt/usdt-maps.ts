import { KernelError, NotFoundError, UpdateFlag, UsageError } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '../../backend.js';
import { Errno } from '../../errno.js';
import { encodeUsdtSpec, USDT_SPEC_SIZE } from './usdt-spec.js';
import type { UsdtTarget } from './usdt-targets.js';

export const USDT_SPECS_MAP = '__bpf_usdt_specs';
export const USDT_IP_MAP = '__bpf_usdt_ip_to_spec_id';

/** The two maps usdt.bpf.h declares in every object that includes it. */
export interface UsdtMaps {
  /** ARRAY: spec id -> struct __bpf_usdt_spec */
  specs: FdArg;
  /** HASH: probe ip -> spec id, read when the kernel has no BPF cookies */
  ipToSpecId: FdArg;
}

/** Finds the usdt.bpf.h maps among an object's maps by name (libbpf's usdt_manager_new). */
export function usdtMaps(maps: ReadonlyMap<string, FdArg> | undefined, program: string): UsdtMaps {
  const specs = maps?.get(USDT_SPECS_MAP);
  const ipToSpecId = maps?.get(USDT_IP_MAP);
  if (specs === undefined || ipToSpecId === undefined) {
    throw new NotFoundError(`program ${program} has no ${USDT_SPECS_MAP} and ${USDT_IP_MAP} maps`, {
      location: { program },
      hint: maps
        ? 'include <bpf/usdt.bpf.h> in the BPF source, or pass the maps of the object the program came from'
        : 'pass the maps of the object the program was loaded with',
    });
  }
  return { specs, ipToSpecId };
}

/** What a USDT attachment wrote into the maps; release() takes it back (on detach or failure). */
export interface UsdtMapEntries {
  /** the spec id of each target, in order: the BPF cookie of its uprobe */
  specIds: number[];
  release(): void;
}

/**
 * Spec ids in use per specs map, as libbpf's usdt_manager keeps them per object: ids of detached
 * attachments are reused first, then fresh ones up to the map's max_entries.
 */
class SpecIdPool {
  #next = 0;
  readonly #free: number[] = [];
  constructor(readonly capacity: number) {}
  take(): number | undefined {
    if (this.#free.length > 0) return this.#free.pop();
    return this.#next < this.capacity ? this.#next++ : undefined;
  }
  give(ids: readonly number[]): void {
    this.#free.push(...ids);
  }
}

/** Pools by backend and map id: an fd number may be reused for another map, a map id is not. */
const pools = new WeakMap<KernelBackend, Map<number, SpecIdPool>>();

function poolOf(backend: KernelBackend, specs: FdArg): SpecIdPool {
  const info = backend.mapInfo(specs);
  let byId = pools.get(backend);
  if (!byId) {
    byId = new Map();
    pools.set(backend, byId);
  }
  const known = byId.get(info.id);
  if (known) return known;
  if (info.keySize !== 4 || info.valueSize !== USDT_SPEC_SIZE) {
    throw new UsageError(
      `${USDT_SPECS_MAP} has ${info.keySize}-byte keys and ${info.valueSize}-byte values; usdt.bpf.h's have 4 and ${USDT_SPEC_SIZE}`,
      {
        location: { map: USDT_SPECS_MAP },
        hint: 'the object was built against another layout of struct __bpf_usdt_spec',
      },
    );
  }
  const pool = new SpecIdPool(info.maxEntries);
  byId.set(info.id, pool);
  return pool;
}

/**
 * Writes one spec per distinct argument string into `__bpf_usdt_specs` and, without BPF cookies,
 * each probe's ip into `__bpf_usdt_ip_to_spec_id` (libbpf's allocate_spec_id and the map updates
 * of usdt_manager_attach_usdt). Sites with the same arguments share a spec; two attachments never
 * do, since the spec carries the attachment's cookie. A failure takes back what was written.
 */
export function fillUsdtMaps(
  backend: KernelBackend,
  maps: UsdtMaps,
  targets: readonly UsdtTarget[],
  options: { cookie: bigint; bpfCookie: boolean; probe: string },
): UsdtMapEntries {
  const pool = poolOf(backend, maps.specs);
  const taken: number[] = [];
  const ips: bigint[] = [];
  const release = () => {
    for (const ip of ips.splice(0)) {
      try {
        backend.mapDelete(maps.ipToSpecId, u64(ip));
      } catch {
        // the map may be gone with its object; nothing is left to undo then
      }
    }
    pool.give(taken.splice(0));
  };
  const byArgs = new Map<string, number>();
  const specIds: number[] = [];
  try {
    for (const target of targets) {
      let id = byArgs.get(target.note.args);
      if (id === undefined) {
        id = pool.take();
        if (id === undefined) {
          throw new UsageError(
            `${options.probe}: all ${pool.capacity} entries of ${USDT_SPECS_MAP} are in use`,
            {
              location: { map: USDT_SPECS_MAP },
              hint: 'define BPF_USDT_MAX_SPEC_CNT larger before including <bpf/usdt.bpf.h>, or detach other USDT links',
            },
          );
        }
        taken.push(id);
        byArgs.set(target.note.args, id);
        backend.mapUpdate(maps.specs, u32(id), encodeUsdtSpec({ args: target.args, cookie: options.cookie }));
      }
      specIds.push(id);
      if (!options.bpfCookie) {
        try {
          backend.mapUpdate(maps.ipToSpecId, u64(target.absoluteIp), u32(id), UpdateFlag.NOEXIST);
        } catch (error) {
          if (error instanceof KernelError && error.errno === Errno.EEXIST) {
            throw new UsageError(
              `${options.probe}: another USDT attachment of this object already traces ip 0x${target.absoluteIp.toString(16)}`,
              {
                location: { map: USDT_IP_MAP },
                hint: 'without BPF cookies one probe site takes one handler per object',
                cause: error,
              },
            );
          }
          throw error;
        }
        ips.push(target.absoluteIp);
      }
    }
  } catch (error) {
    release();
    throw error;
  }
  return { specIds, release };
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function u64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
}
