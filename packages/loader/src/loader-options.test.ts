import { definePlugin, placeSpecTransform, UsageError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const fixture = new URL('../../../fixtures/legacy_xdp.bpfel.o', import.meta.url).pathname;

type RenameOptions = { 'rename.prefix'?: string };

/** A plugin whose spec transform reads the one open option it declares. */
const renamer = definePlugin<RenameOptions, { 'rename.audit'?: boolean }>({
  name: 'rename',
  openOptions: { 'rename.prefix': 'prefix added to every program name' },
  loadOptions: { 'rename.audit': 'report renamed programs at load' },
  register: (c) =>
    placeSpecTransform<RenameOptions>(c, {
      name: 'rename programs',
      run: (spec, context) => {
        const prefix = context.options['rename.prefix'] ?? '';
        // @ts-expect-error a stage may read only the options its plugin declared
        void context.options['rename.suffix'];
        return { ...spec, programs: spec.programs.map((p) => ({ ...p, name: prefix + p.name })) };
      },
    }),
});

describe('loader options', () => {
  it('refuse a misspelt key at compile time and at run time, naming the known ones', () => {
    const loader = createLoader({ backend: new SimulatedKernel() });
    // @ts-expect-error 'fromat' is no open option
    const misspelt = () => loader.open(fixture, { fromat: 'bcc' });
    expect(misspelt).toThrow(UsageError);
    expect(misspelt).toThrow(/unknown open option fromat/);
    expect(misspelt).toThrow(
      expect.objectContaining({ hint: 'open options of this pipeline: name, relaxedMaps, format' }),
    );
  });

  it("accept a plugin's declared keys, which its stages read", () => {
    const loader = createLoader({ backend: new SimulatedKernel(), plugins: [renamer] });
    const plain = createLoader({ backend: new SimulatedKernel() }).open(fixture);
    const spec = loader.open(fixture, { 'rename.prefix': 'x_' });
    expect(spec.programs.map((p) => p.name)).toEqual(plain.programs.map((p) => `x_${p.name}`));
  });

  it("refuse another plugin's keys, and load keys at open", () => {
    const plain = createLoader({ backend: new SimulatedKernel() });
    // @ts-expect-error the rename plugin is not in this pipeline
    expect(() => plain.open(fixture, { 'rename.prefix': 'x_' })).toThrow(UsageError);
    const loader = createLoader({ backend: new SimulatedKernel(), plugins: [renamer] });
    // @ts-expect-error 'rename.audit' is a load option
    expect(() => loader.open(fixture, { 'rename.audit': true })).toThrow(/unknown open option rename.audit/);
  });

  it('check load options the same way: a failure of the returned Promise, not a throw', async () => {
    const loader = createLoader({ backend: new SimulatedKernel(), plugins: [renamer] });
    const spec = loader.open(fixture);
    (await loader.load(spec, { 'rename.audit': true, pinRoot: '/sys/fs/bpf' })).close();
    // @ts-expect-error 'pinroot' is misspelt
    await expect(loader.load(spec, { pinroot: '/x' })).rejects.toThrow(/unknown load option pinroot/);
  });
});
