import { MapType, NotFoundError } from '@bpfkit/core';
import { globalVariables } from '../variables.js';
import type { LoadedObject } from './loaded-object.js';

/** The global a program bumps when its ring buffer `map` is full: `<map>_drops` by convention. */
export function dropCounterName(map: string): string {
  return `${map}_drops`;
}

/**
 * A reader of the drop counter of ring buffer `map` (a u32 or u64 global, by default
 * `<map>_drops`, in .bss or .data) for ringBufferDrops, or undefined when the object keeps none
 * and `variable` was not named. Naming a variable that does not exist is a NotFoundError.
 */
export function ringBufferDropCounter(
  loaded: LoadedObject,
  map: string,
  variable?: string,
): (() => bigint) | undefined {
  const ring = loaded.map(map);
  if (ring.spec.type !== MapType.RINGBUF) {
    throw new NotFoundError(`map ${map} is not a ring buffer`, { location: { map } });
  }
  const name = variable ?? dropCounterName(map);
  const found = globalVariables(loaded.spec).find((v) => v.name === name);
  if (!found) {
    if (variable === undefined) return undefined;
    throw new NotFoundError(`${loaded.spec.name} has no variable ${name} to count drops of ${map}`, {
      location: { object: loaded.spec.name, symbol: name },
      hint: `declare \`__u64 ${name} = 0;\` and bump it where bpf_ringbuf_reserve returns NULL`,
    });
  }
  return () => BigInt(loaded.readVariable(name) as number | bigint);
}
