import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import type { MapCollector, OpenContext } from './open-stages.js';
import { placeStage } from './placement.js';
import {
  DeclaredOptions,
  definePlugin,
  placeMapCollector,
  removeMapCollector,
  withPlugins,
  wrapStage,
} from './plugin.js';
import type { Stage } from './stage.js';
import { registerValue, resolveToken, token } from './token.js';
import { Tokens } from './tokens.js';

const collector = (format: string): MapCollector => ({ format, claims: () => false, collect: () => [] });
const formats = (c: typeof container) => resolveToken(c, Tokens.MapCollectors).map((x) => x.format);

function parentWith(...names: string[]) {
  const parent = container.createChildContainer();
  registerValue(parent, Tokens.MapCollectors, names.map(collector));
  return parent;
}

describe('plugins', () => {
  it('change a child container and leave the parent untouched', () => {
    const parent = parentWith('legacy');
    const iproute2 = definePlugin({
      name: 'iproute2',
      register: (c) => placeMapCollector(c, collector('iproute2')),
    });
    const child = withPlugins(parent, iproute2);
    expect(formats(child)).toEqual(['iproute2', 'legacy']);
    expect(formats(parent)).toEqual(['legacy']);
  });

  it('can switch a default map collector off', () => {
    const child = withPlugins(parentWith('legacy', 'btf'), {
      name: 'no legacy',
      register: (c) => removeMapCollector(c, 'legacy'),
    });
    expect(formats(child)).toEqual(['btf']);
  });

  it('are applied in order, so a later placement sees an earlier one', () => {
    const first = definePlugin({ name: 'a', register: (c) => placeMapCollector(c, collector('a')) });
    const second = definePlugin({
      name: 'b',
      register: (c) => placeMapCollector(c, collector('b'), { after: 'a' }),
    });
    expect(formats(withPlugins(parentWith('btf'), first, second))).toEqual(['a', 'b', 'btf']);
    // the anchor must exist when the later plugin is applied
    expect(() => withPlugins(parentWith('btf'), second, first)).toThrow(/no stage has that name/);
  });

  it('record the options they declare, by phase, for the loader to check', () => {
    const child = withPlugins(parentWith(), {
      name: 'tracer',
      openOptions: { 'tracer.depth': 'how deep' },
      loadOptions: { 'tracer.buffer': 'buffer pages' },
      register: () => {},
    });
    expect(resolveToken(child, DeclaredOptions)).toEqual([
      { phase: 'open', key: 'tracer.depth', description: 'how deep', plugin: 'tracer' },
      { phase: 'load', key: 'tracer.buffer', description: 'buffer pages', plugin: 'tracer' },
    ]);
  });

  it('wrap a single stage: the wrapper decides whether the current one runs', async () => {
    const Step = token<Stage<number, number>>('test step');
    const parent = container.createChildContainer();
    registerValue(parent, Step, { name: 'double', run: (n) => n * 2 });
    const child = withPlugins(parent, {
      name: 'plus one after',
      register: (c) =>
        wrapStage(c, Step, (inner) => ({
          name: 'double then add',
          run: async (n, ctx) => (await inner.run(n, ctx)) + 1,
        })),
    });
    expect(await resolveToken(child, Step).run(5, undefined)).toBe(11);
    expect(await resolveToken(parent, Step).run(5, undefined)).toBe(10);
  });
});

describe('placeStage', () => {
  const names = (list: { name: string }[]) => list.map((s) => s.name);
  const list = [{ name: 'x' }, { name: 'y' }, { name: 'z' }];
  const n = { name: 'n' };
  const nameOf = (s: { name: string }) => s.name;

  it('puts a stage first, last, before, after or instead of a named one', () => {
    expect(names(placeStage(list, n, 'first', nameOf))).toEqual(['n', 'x', 'y', 'z']);
    expect(names(placeStage(list, n, 'last', nameOf))).toEqual(['x', 'y', 'z', 'n']);
    expect(names(placeStage(list, n, { before: 'y' }, nameOf))).toEqual(['x', 'n', 'y', 'z']);
    expect(names(placeStage(list, n, { after: 'y' }, nameOf))).toEqual(['x', 'y', 'n', 'z']);
    expect(names(placeStage(list, n, { instead: 'y' }, nameOf))).toEqual(['x', 'n', 'z']);
  });

  it('keeps one stage of a name when the same one is placed twice', () => {
    expect(names(placeStage([n, ...list], n, 'last', nameOf))).toEqual(['x', 'y', 'z', 'n']);
  });

  it('names the stages it has when told to place next to one it has not', () => {
    expect(() => placeStage(list, n, { after: 'w' }, nameOf)).toThrow(UsageError);
    expect(() => placeStage(list, n, { after: 'w' }, nameOf)).toThrow(
      expect.objectContaining({ hint: 'stages here: x, y, z' }),
    );
  });
});

describe('typed wiring (checked by `npm run typecheck`)', () => {
  it('rejects a registration of the wrong shape at compile time', () => {
    const c = container.createChildContainer();
    // @ts-expect-error a single collector where the token holds a list of them
    registerValue(c, Tokens.MapCollectors, collector('bcc'));
    registerValue(c, Tokens.MapCollectors, [collector('bcc')]);
    expect(formats(c)).toEqual(['bcc']);
  });

  it('lets a plugin stage read only the options the plugin declared', () => {
    const strict: MapCollector<{ 'bcc.strict'?: boolean }> = {
      format: 'bcc',
      claims: (_section, _file, context) => context.options['bcc.strict'] === true,
      collect: (_file, _sections, context: OpenContext<{ 'bcc.strict'?: boolean }>) => {
        // @ts-expect-error 'bcc.loose' is not an option this stage declared
        void context.options['bcc.loose'];
        return [];
      },
    };
    expect(strict.format).toBe('bcc');
  });
});
