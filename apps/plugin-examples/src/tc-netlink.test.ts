import { AttachType, UsageError } from '@bpfkit/core';
import { SimulatedKernel, TcFilterLink } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { tcNetlinkPlugin } from './tc-netlink.js';

const fixture = new URL('../../tc-loader/src/fixtures/tc_share_libbpf.bpfel.o', import.meta.url).pathname;
const ingress = { ifindex: 7, direction: 'ingress' as const };

describe('tcNetlinkPlugin (an attach-phase plugin) on the simulated kernel', () => {
  it('attaches a tc program as a cls_bpf filter; no tcx link is made', async () => {
    const kernel = new SimulatedKernel();
    const loader = createLoader({ backend: kernel, plugins: [tcNetlinkPlugin()] });
    const loaded = await loader.load(loader.open(fixture));
    const link = loaded.program('share_write').attach({ device: 7, direction: 'ingress' });
    expect(link).toBeInstanceOf(TcFilterLink);
    expect(kernel.tcFilters(ingress).map((f) => f.bpf?.programId)).toEqual([
      loaded.program('share_write').info().id,
    ]);
    expect(kernel.attachedLinks()).toEqual([]);
    loaded.close(); // the object owns the link: its filter goes with it
    expect(kernel.tcFilters(ingress)).toEqual([]);
  });

  it('without the plugin the default attachers have nothing for a tc section', async () => {
    const loader = createLoader({ backend: new SimulatedKernel() });
    const loaded = await loader.load(loader.open(fixture));
    expect(() => loaded.program('share_write').attach({ device: 7, direction: 'ingress' })).toThrow(
      UsageError,
    );
    loaded.close();
  });

  it('leaves tcx sections to tcx where the kernel has it, unless asked for netlink', async () => {
    const kernel = new SimulatedKernel();
    const loader = createLoader({ backend: kernel, plugins: [tcNetlinkPlugin()] });
    const spec = loader.open(fixture);
    spec.programs[0]!.expectedAttachType = AttachType.TCX_INGRESS;
    const loaded = await loader.load(spec);
    const program = loaded.program('share_write');
    expect(program.attach({ device: 7 }).kind).toBe('tcx');
    expect(program.attach({ device: 7, tcMode: 'netlink' }).kind).toBe('tc');
    loaded.close();
  });
});
