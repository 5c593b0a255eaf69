import { definePlugin, MapType, PinConflictError, removeMapCollector, streamReferences } from '@bpfkit/core';
import { LinuxBackend } from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = new URL('../../../fixtures/legacy_sockfilter.bpfel.o', import.meta.url).pathname;
const skip = kernelSkipReason();
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const IPPROTO_UDP = 17;

/** A UDP/IPv4 frame as BPF_PROG_TEST_RUN hands it to a socket filter. */
function udpFrame(): Uint8Array {
  const frame = new Uint8Array(64);
  frame.set([0x08, 0x00], 12); // EtherType IPv4
  frame[14] = 0x45; // version 4, IHL 5
  frame[23] = IPPROTO_UDP;
  return frame;
}

describe.skipIf(skip)(`maps made outside the object${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('become the targets of relocations by section index and offset when no format read the definitions', async () => {
    // The 2019 proposal: a tool switches the default `maps` collector off and supplies the maps itself.
    const noLegacyMaps = definePlugin({
      name: 'no legacy maps',
      register: (c) => removeMapCollector(c, 'legacy'),
    });
    const loader = createLoader({ plugins: [noLegacyMaps] });
    const spec = loader.open(fixture);
    expect(spec.maps).toEqual([]);
    const references = [...spec.programs, ...spec.functions]
      .flatMap((f) => streamReferences(f.instructions))
      .filter((r) => r.kind === 'map-fd');
    const offsets = new Set(references.map((r) => (r.kind === 'map-fd' ? r.definition?.offset : undefined)));
    expect(offsets).toEqual(new Set([0, 20]));

    const backend = new LinuxBackend();
    const packets = backend.createMap({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 256,
      flags: 0,
      name: 'ext_packets',
    });
    const bytes = backend.createMap({
      type: MapType.HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 256,
      flags: 0,
      name: 'ext_bytes',
    });
    const mapsSection = references[0]!.kind === 'map-fd' ? references[0]!.definition!.sectionIndex : -1;
    const external = (name: string, type: number, offset: number) => ({
      name,
      type,
      keySize: 4,
      valueSize: 8,
      maxEntries: 256,
      flags: 0,
      pinning: { kind: 'none' as const },
      source: { format: 'external', section: 'maps', sectionIndex: mapsSection, offset },
    });
    spec.maps.push(external('ext_packets', MapType.ARRAY, 0), external('ext_bytes', MapType.HASH, 20));

    const loaded = await loader.load(spec, {
      mapReplacements: new Map([
        ['ext_packets', packets],
        ['ext_bytes', bytes],
      ]),
    });
    try {
      loaded.program('count_by_proto').testRun({ data: udpFrame(), repeat: 3 });
      const value = new Uint8Array(8);
      expect(backend.mapLookup(packets, u32(IPPROTO_UDP), value)).toBe(true);
      expect(new DataView(value.buffer).getBigUint64(0, true)).toBe(3n);
    } finally {
      loaded.close();
    }
    // The caller's descriptors outlive the loaded object.
    expect(packets.closed).toBe(false);
    packets.close();
    bytes.close();
  });

  it('a replacement that does not match the definition is refused, naming what differs', async () => {
    const loader = createLoader();
    const spec = loader.open(fixture);
    const backend = new LinuxBackend();
    const wrong = backend.createMap({
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 256,
      flags: 0,
      name: 'wrong',
    });
    try {
      const failure = loader.load(spec, { mapReplacements: new Map([['proto_packets', wrong]]) });
      await expect(failure).rejects.toThrow(PinConflictError);
      await expect(failure).rejects.toThrow(/value size 4 != 8/);
    } finally {
      wrong.close();
    }
  });
});
