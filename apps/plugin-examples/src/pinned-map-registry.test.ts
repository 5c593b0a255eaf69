import { PinConflictError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { kernelSkipReason, mountBpffs } from '@bpfkit/kernel-backend/testing';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { pinnedMapRegistry } from './pinned-map-registry.js';

const fixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
const sockfilter = fixture('legacy_sockfilter.bpfel.o');
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/** How many maps the kernel holds (BPF_MAP_GET_NEXT_ID). */
function mapCount(kernel: SimulatedKernel): number {
  let count = 0;
  for (let id = kernel.nextId('map', 0); id !== undefined; id = kernel.nextId('map', id)) count++;
  return count;
}

describe('pinnedMapRegistry (a load-phase plugin) on the simulated kernel', () => {
  it('takes a registry map instead of creating it, and the default stage creates the rest', async () => {
    const kernel = new SimulatedKernel();
    const shared = await createLoader({ backend: kernel }).load(
      createLoader({ backend: kernel }).open(sockfilter),
    );
    kernel.pin(shared.map('proto_packets').fd, '/registry/proto_packets');
    const sharedId = shared.map('proto_packets').info().id;

    const loader = createLoader({ backend: kernel, plugins: [pinnedMapRegistry()] });
    const mapsBefore = mapCount(kernel);
    const loaded = await loader.load(loader.open(sockfilter), { 'registry.dir': '/registry' });
    expect(loaded.map('proto_packets').reused).toBe(true);
    expect(loaded.map('proto_packets').info().id).toBe(sharedId);
    expect(loaded.map('proto_bytes').reused).toBe(false);
    // only the maps not in the registry were created by the default stage
    expect(mapCount(kernel) - mapsBefore).toBe(loaded.maps.size - 1);
    loaded.close();
    shared.close();
  });

  it('refuses a registry map that does not match the definition, and the load leaves nothing', async () => {
    const kernel = new SimulatedKernel();
    const other = createLoader({ backend: kernel });
    const wrong = await other.load(other.open(fixture('legacy_xdp.bpfel.o')));
    const [, map] = [...wrong.maps][0]!;
    kernel.pin(map.fd, '/registry/proto_packets');
    const loader = createLoader({ backend: kernel, plugins: [pinnedMapRegistry()] });
    const fdsBefore = kernel.openFds().length;
    await expect(loader.load(loader.open(sockfilter), { 'registry.dir': '/registry' })).rejects.toThrow(
      PinConflictError,
    );
    expect(kernel.openFds().length).toBe(fdsBefore);
    wrong.close();
  });
});

const skip = kernelSkipReason();
describe.skipIf(skip)(`pinnedMapRegistry on the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('two objects share one map through the registry: what one writes the other reads', async () => {
    const bpffs = mountBpffs();
    try {
      const plain = createLoader();
      const first = await plain.load(plain.open(sockfilter));
      first.map('proto_packets').pin(`${bpffs.dir}/proto_packets`);
      first.map('proto_packets').update(u32(17), new Uint8Array(8).fill(7));
      const loader = createLoader({ plugins: [pinnedMapRegistry()] });
      const second = await loader.load(loader.open(sockfilter), { 'registry.dir': bpffs.dir });
      expect(second.map('proto_packets').info().id).toBe(first.map('proto_packets').info().id);
      expect(second.map('proto_packets').lookup(u32(17))).toEqual(new Uint8Array(8).fill(7));
      expect(second.map('proto_bytes').info().id).not.toBe(first.map('proto_bytes').info().id);
      second.close();
      first.close();
    } finally {
      bpffs.unmount();
    }
  });
});
