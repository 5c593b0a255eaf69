import type { Fd, KernelBackend } from '@bpfkit/kernel-backend';

/** The backend calls that change kernel state, where a load can fail part-way. */
export const MUTATING_CALLS = [
  'loadBtf',
  'createMap',
  'mapUpdate',
  'mapFreeze',
  'loadProgram',
  'bindMap',
  'pin',
  'getPinned',
] as const;
export type MutatingCall = (typeof MUTATING_CALLS)[number];

/**
 * Wraps a backend (the simulated kernel or Linux) to count calls, fail the Nth call of one kind,
 * and remember every Fd it handed out, so a test can check that a failed load closed them all.
 */
export function failingBackend(inner: KernelBackend, failOn?: { call: MutatingCall; nth: number }) {
  const counts = new Map<string, number>();
  const handedOut: Fd[] = [];
  const pins = new Set<string>();
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const name = String(key);
        const n = (counts.get(name) ?? 0) + 1;
        counts.set(name, n);
        if (failOn && failOn.call === name && failOn.nth === n) {
          throw Object.assign(new Error(`injected failure of ${name} #${n}`), { injected: true });
        }
        const result = value.apply(target, args);
        if (name === 'pin') pins.add(args[1] as string);
        if (name === 'unpin') pins.delete(args[0] as string);
        if (result && typeof result === 'object' && 'close' in result && 'value' in result)
          handedOut.push(result as Fd);
        return result;
      };
    },
  });
  return {
    backend,
    counts,
    /** forget the calls so far (the memoized feature probes), so `nth` counts from the load */
    reset: () => counts.clear(),
    openFds: () => handedOut.filter((fd) => !fd.closed),
    pins: () => [...pins],
  };
}
