import { endianness } from 'node:os';
import type { LoadedObject } from '@bpfkit/loader';
import { COUNTERS_MAP, CounterSlot } from './codegen.js';

export interface FilterCounters {
  passed: bigint;
  dropped: bigint;
}

/** Reads the pfc_counters map of a loaded filter. */
export function readCounters(loaded: LoadedObject): FilterCounters {
  const map = loaded.map(COUNTERS_MAP);
  // Map keys and values are in the machine's byte order.
  const little = endianness() === 'LE';
  const slot = (index: number) => {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, index, little);
    const value = map.lookup(key);
    return value ? new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, little) : 0n;
  };
  return { passed: slot(CounterSlot.passed), dropped: slot(CounterSlot.dropped) };
}
