import { readFileSync } from 'node:fs';
import {
  cloneObjectSpec,
  type FunctionSpec,
  MapType,
  PinConflictError,
  ProgramType,
  PseudoSrc,
  streamBytes,
  streamReferences,
} from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import { kernelFeatures } from './load/kernel-features.js';
import { failingBackend, MUTATING_CALLS } from './testing/failing-backend.js';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url));

function simulatedLoader() {
  const kernel = new SimulatedKernel();
  return { kernel, loader: createLoader({ backend: kernel }) };
}

describe('open', () => {
  it('reads programs, functions, legacy maps and symbolic relocations', () => {
    const { loader } = simulatedLoader();
    const spec = loader.open(fixture('legacy_xdp.bpfel.o'), { name: 'legacy_xdp' });
    expect(spec.license).toBe('GPL');
    expect(spec.programs.map((p) => [p.name, p.section, p.type, p.autoload])).toEqual([
      ['drop_blocked_udp', 'xdp', ProgramType.XDP, true],
    ]);
    expect(spec.functions.map((f) => f.name)).toEqual(['udp_dest_port']);
    expect(spec.maps.map((m) => m.name)).toEqual(['blocked_ports', 'verdicts']);
    expect(streamReferences(spec.programs[0]!.instructions)).toEqual([
      { kind: 'call', instruction: 0, function: 'udp_dest_port' },
      { kind: 'map-fd', instruction: 9, map: 'blocked_ports' },
      { kind: 'map-fd', instruction: 17, map: 'verdicts' },
    ]);
  });

  it('gives the same spec for a big-endian twin, but for the byte order', () => {
    const { loader } = simulatedLoader();
    for (const name of ['legacy_len_histogram', 'unsafe_null_deref']) {
      const little = loader.open(fixture(`${name}.bpfel.o`), { name });
      const big = loader.open(fixture(`${name}.bpfeb.o`), { name });
      expect(big.byteOrder).toBe('big');
      // Code compares as little-endian slots with the same metadata.
      const code = <T extends FunctionSpec>(fn: T) => ({
        ...fn,
        instructions: {
          ...fn.instructions,
          byteOrder: undefined,
          bytes: [...streamBytes(fn.instructions, 'little')],
        },
      });
      const comparable = (spec: typeof little) => ({
        ...spec,
        programs: spec.programs.map(code),
        functions: spec.functions.map(code),
        byteOrder: undefined,
        btf: undefined,
        btfExt: undefined,
      });
      expect(comparable(big)).toEqual(comparable(little));
    }
  });

  it('reads the same programs, maps and relocations from twins whose constants depend on byte order', () => {
    const { loader } = simulatedLoader();
    const shape = (spec: ReturnType<typeof loader.open>) => ({
      programs: spec.programs.map((p) => [
        p.name,
        p.type,
        streamReferences(p.instructions).map((r) => r.kind),
      ]),
      functions: spec.functions.map((f) => f.name),
      maps: spec.maps.map(({ source, extra, ...m }) => m),
    });
    for (const name of ['legacy_xdp', 'legacy_sockfilter']) {
      expect(shape(loader.open(fixture(`${name}.bpfeb.o`)))).toEqual(
        shape(loader.open(fixture(`${name}.bpfel.o`))),
      );
    }
  });

  it('is deterministic and the spec is a copyable plain value', () => {
    const { loader } = simulatedLoader();
    const a = loader.open(fixture('legacy_sockfilter.bpfel.o'));
    const b = loader.open(fixture('legacy_sockfilter.bpfel.o'));
    expect(b).toEqual(a);
    const copy = cloneObjectSpec(a);
    copy.maps[0]!.maxEntries = 1;
    expect(a.maps[0]!.maxEntries).toBe(256);
  });
});

describe('load through the simulated kernel', () => {
  it('creates the maps, links the subprogram and writes map fds into the instructions', async () => {
    const { kernel, loader } = simulatedLoader();
    const spec = loader.open(fixture('legacy_xdp.bpfel.o'));
    const loaded = await loader.load(spec);
    const program = loaded.program('drop_blocked_udp');
    // entry (26 insns) + udp_dest_port (22) appended once
    expect(program.instructionCount).toBe(48);
    const load = kernel.programLoads.at(-1)!;
    expect(load.type).toBe(ProgramType.XDP);
    const insns = new DataView(load.instructions.buffer, load.instructions.byteOffset);
    // insn 9 is the ld_imm64 of blocked_ports: src = BPF_PSEUDO_MAP_FD, imm = its fd
    expect(insns.getUint8(9 * 8 + 1) >> 4).toBe(PseudoSrc.MAP_FD);
    expect(insns.getInt32(9 * 8 + 4, true)).toBe(loaded.map('blocked_ports').fd.value);
    // insn 0 calls the appended function at 26: imm = 26 - 1
    expect(insns.getInt32(4, true)).toBe(25);
    expect(loaded.map('verdicts').spec.type).toBe(MapType.PERCPU_ARRAY);
    loaded.close();
  });

  it('reports stages and created objects as events', async () => {
    const { loader } = simulatedLoader();
    const operation = loader.load(loader.open(fixture('legacy_sockfilter.bpfel.o')));
    const events = await lastValueFrom(operation.events.pipe(toArray()));
    (await operation).close();
    expect(events.filter((e) => e.type === 'stage-finished').map((e) => 'stage' in e && e.stage)).toEqual([
      'probe kernel features',
      'resolve externs',
      'load btf',
      'create maps',
      'relocate programs',
      'load programs',
      'fill map slots',
      'prepare struct_ops',
    ]);
    expect(
      events.filter((e) => e.type === 'object-created').map((e) => 'name' in e && `${e.kind} ${e.name}`),
    ).toEqual(['btf object', 'map proto_packets', 'map proto_bytes', 'program count_by_proto']);
  });

  it('refuses to load an object of the other byte order, saying why', async () => {
    const { loader } = simulatedLoader();
    await expect(loader.load(loader.open(fixture('legacy_xdp.bpfeb.o')))).rejects.toThrow(
      /big-endian object/,
    );
  });

  describe.each(['legacy_xdp.bpfel.o', 'global_vars.bpfel.o'])(
    'a failure at any step of loading %s leaves nothing behind',
    (object) => {
      const spec = createLoader({ backend: new SimulatedKernel() }).open(fixture(object));
      const healthy = failingBackend(new SimulatedKernel());
      const cases: { call: (typeof MUTATING_CALLS)[number]; nth: number }[] = [];

      it('counts the calls of a healthy load', async () => {
        kernelFeatures(healthy.backend);
        healthy.reset();
        const loaded = await createLoader({ backend: healthy.backend }).load(spec);
        loaded.close();
        for (const call of MUTATING_CALLS) {
          for (let nth = 1; nth <= (healthy.counts.get(call) ?? 0); nth++) cases.push({ call, nth });
        }
        expect(cases.length).toBeGreaterThanOrEqual(3);
      });

      it('fails each call in turn and checks every fd is closed', async () => {
        expect(cases.length).toBeGreaterThan(0);
        let refused = 0;
        for (const failOn of cases) {
          const injected = failingBackend(new SimulatedKernel(), failOn);
          kernelFeatures(injected.backend);
          injected.reset();
          const loader = createLoader({ backend: injected.backend });
          const outcome = await loader.load(spec).then(
            (loaded) => loaded,
            (error: Error) => error,
          );
          // Like libbpf, a refused BTF (or BTF key/value types) is optional: the load goes on without it.
          if (outcome instanceof Error) {
            refused++;
            expect(outcome.message, `${failOn.call} #${failOn.nth}`).toMatch(/injected failure/);
          } else {
            expect(['loadBtf', 'createMap'], `${failOn.call} #${failOn.nth} did not fail the load`).toContain(
              failOn.call,
            );
            outcome.close();
          }
          expect(injected.openFds(), `${failOn.call} #${failOn.nth}`).toEqual([]);
          expect(injected.pins(), `${failOn.call} #${failOn.nth}`).toEqual([]);
        }
        expect(refused).toBeGreaterThan(cases.length / 2);
      });
    },
  );

  it('leaves an incompatible pin alone and says what differs', async () => {
    const { kernel, loader } = simulatedLoader();
    const spec = loader.open(fixture('legacy_xdp.bpfel.o'));
    const other = kernel.createMap({
      type: MapType.HASH,
      keySize: 2,
      valueSize: 1,
      maxEntries: 99,
      flags: 0,
      name: 'x',
    });
    kernel.pin(other, '/sys/fs/bpf/blocked_ports');
    spec.maps[0]!.pinning = { kind: 'by-name' };
    const failure = loader.load(spec);
    await expect(failure).rejects.toThrow(PinConflictError);
    await expect(failure).rejects.toThrow(/max entries 99 != 64/);
    expect(kernel.getPinned('/sys/fs/bpf/blocked_ports')).toBeDefined();
  });
});
