import { MapType, NotFoundError, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import type { KernelBackend } from '../../backend.js';
import { SimulatedKernel } from '../../simulated/simulated-kernel.js';
import { parseUsdtArguments } from './usdt-arguments.js';
import { fillUsdtMaps, USDT_IP_MAP, USDT_SPECS_MAP, type UsdtMaps, usdtMaps } from './usdt-maps.js';
import { USDT_SPEC_SIZE } from './usdt-spec.js';
import type { UsdtTarget } from './usdt-targets.js';

/** The two maps with usdt.bpf.h's shapes, small enough to run out. */
function createUsdtMaps(backend: KernelBackend, specCount = 4): UsdtMaps {
  return {
    specs: backend.createMap({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: USDT_SPEC_SIZE,
      maxEntries: specCount,
      flags: 0,
      name: USDT_SPECS_MAP,
    }),
    ipToSpecId: backend.createMap({
      type: MapType.HASH,
      keySize: 8,
      valueSize: 4,
      maxEntries: 16,
      flags: 0,
      name: 'usdt_ip_to_spec',
    }),
  };
}

const target = (absoluteIp: bigint, args: string): UsdtTarget => ({
  note: { provider: 'p', name: 'n', args, location: absoluteIp, base: 0n, semaphore: 0n },
  absoluteIp,
  fileOffset: absoluteIp,
  semaphoreOffset: 0n,
  args: parseUsdtArguments(args),
});

function ipEntries(backend: KernelBackend, maps: UsdtMaps): Record<string, number> {
  const entries: Record<string, number> = {};
  let key: Uint8Array | null = null;
  const next = new Uint8Array(8);
  while (backend.mapGetNextKey(maps.ipToSpecId, key, next)) {
    const value = new Uint8Array(4);
    backend.mapLookup(maps.ipToSpecId, next, value);
    entries[`0x${new DataView(next.buffer).getBigUint64(0, true).toString(16)}`] = new DataView(
      value.buffer,
    ).getUint32(0, true);
    key = next.slice();
  }
  return entries;
}

function spec(backend: KernelBackend, maps: UsdtMaps, id: number) {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, id, true);
  const value = new Uint8Array(USDT_SPEC_SIZE);
  backend.mapLookup(maps.specs, key, value);
  const view = new DataView(value.buffer);
  return {
    argCount: view.getInt16(200, true),
    cookie: view.getBigUint64(192, true),
    firstArg: view.getBigUint64(0, true),
  };
}

const options = { cookie: 7n, bpfCookie: false, probe: 'USDT p:n' };

describe('fillUsdtMaps (simulated kernel)', () => {
  it('without BPF cookies, maps each site ip to its spec id; sites with the same arguments share a spec', () => {
    const sim = new SimulatedKernel();
    const maps = createUsdtMaps(sim);
    const entries = fillUsdtMaps(
      sim,
      maps,
      [target(0x401000n, '-4@$1 8@%rdi'), target(0x401100n, '-4@$2'), target(0x401200n, '-4@$1 8@%rdi')],
      options,
    );
    expect(entries.specIds).toEqual([0, 1, 0]);
    expect(ipEntries(sim, maps)).toEqual({ '0x401000': 0, '0x401100': 1, '0x401200': 0 });
    expect(spec(sim, maps, 0)).toEqual({ argCount: 2, cookie: 7n, firstArg: 1n });
    expect(spec(sim, maps, 1)).toEqual({ argCount: 1, cookie: 7n, firstArg: 2n });

    entries.release();
    expect(ipEntries(sim, maps)).toEqual({});
    // released ids are handed out again before fresh ones
    const again = fillUsdtMaps(
      sim,
      maps,
      [target(0x401000n, '-4@$3'), target(0x401100n, '-4@$4'), target(0x401300n, '4@$5')],
      options,
    );
    expect(again.specIds.slice(0, 2).sort()).toEqual([0, 1]);
    expect(again.specIds[2]).toBe(2);
  });

  it('with BPF cookies, leaves the ip map alone', () => {
    const sim = new SimulatedKernel();
    const maps = createUsdtMaps(sim);
    const entries = fillUsdtMaps(sim, maps, [target(0x401000n, '-4@$1')], { ...options, bpfCookie: true });
    expect(entries.specIds).toEqual([0]);
    expect(ipEntries(sim, maps)).toEqual({});
    expect(spec(sim, maps, 0).cookie).toBe(7n);
  });

  it('refuses a site another attachment traces, and takes back what it wrote', () => {
    const sim = new SimulatedKernel();
    const maps = createUsdtMaps(sim);
    fillUsdtMaps(sim, maps, [target(0x401000n, '-4@$1')], options);
    expect(() =>
      fillUsdtMaps(sim, maps, [target(0x402000n, '-4@$2'), target(0x401000n, '-4@$3')], options),
    ).toThrow(/already traces ip 0x401000/);
    expect(ipEntries(sim, maps)).toEqual({ '0x401000': 0 });
    // the failed attachment's spec ids (1 and 2) were given back: the next one is not a fresh 3
    const next = fillUsdtMaps(sim, maps, [target(0x403000n, '-4@$4')], options).specIds;
    expect([1, 2]).toContain(next[0]);
  });

  it('says so when every spec id is taken', () => {
    const sim = new SimulatedKernel();
    const maps = createUsdtMaps(sim, 2);
    const sites = [target(0x1n, '4@$1'), target(0x2n, '4@$2'), target(0x3n, '4@$3')];
    expect(() => fillUsdtMaps(sim, maps, sites, options)).toThrow(UsageError);
    expect(() => fillUsdtMaps(sim, maps, sites, options)).toThrow(
      /all 2 entries of __bpf_usdt_specs are in use/,
    );
    expect(ipEntries(sim, maps)).toEqual({});
  });

  it('finds the maps by name, and says to include usdt.bpf.h when they are missing', () => {
    const sim = new SimulatedKernel();
    const maps = createUsdtMaps(sim);
    const byName = new Map([
      [USDT_SPECS_MAP, maps.specs],
      [USDT_IP_MAP, maps.ipToSpecId],
    ]);
    expect(usdtMaps(byName, 'handler')).toEqual(maps);
    expect(() => usdtMaps(new Map(), 'handler')).toThrow(NotFoundError);
    expect(() => usdtMaps(new Map(), 'handler')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/usdt\.bpf\.h/) }),
    );
  });
});
