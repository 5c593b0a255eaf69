import 'reflect-metadata';
import { lastValueFrom, toArray } from 'rxjs';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ElfError } from '../errors.js';
import { startOperation } from './events.js';
import type { MapCollector } from './open-stages.js';
import { editMapCollectors, mapFormatPlugin, withPlugins } from './plugin.js';
import { runStage } from './stage.js';
import { Tokens } from './tokens.js';

const collector = (format: string): MapCollector => ({ format, claims: () => false, collect: () => [] });

describe('plugins', () => {
  it('change a child container and leave the parent untouched', () => {
    const parent = container.createChildContainer();
    parent.register(Tokens.MapCollectors, { useValue: [collector('legacy')] });
    const child = withPlugins(parent, mapFormatPlugin(collector('iproute2')));

    expect(child.resolve<MapCollector[]>(Tokens.MapCollectors).map((c) => c.format)).toEqual([
      'iproute2',
      'legacy',
    ]);
    expect(parent.resolve<MapCollector[]>(Tokens.MapCollectors).map((c) => c.format)).toEqual(['legacy']);
  });

  it('can switch the default maps collector off', () => {
    const parent = container.createChildContainer();
    parent.register(Tokens.MapCollectors, { useValue: [collector('legacy'), collector('btf')] });
    const child = withPlugins(parent, (c) =>
      editMapCollectors(c, (list) => list.filter((x) => x.format !== 'legacy')),
    );
    expect(child.resolve<MapCollector[]>(Tokens.MapCollectors).map((c) => c.format)).toEqual(['btf']);
  });
});

describe('stages and operations', () => {
  it('reports each stage with its duration, and a failure with the stage as context', async () => {
    const operation = startOperation(async (events) => {
      await runStage('load', { name: 'create maps', run: () => 1 }, undefined, undefined, events);
      await runStage(
        'load',
        {
          name: 'load programs',
          run: () => {
            throw new ElfError('bad');
          },
        },
        undefined,
        undefined,
        events,
      );
    });
    const events = lastValueFrom(operation.events.pipe(toArray()));
    await expect(operation.result).rejects.toThrow('load programs: bad');
    const seen = (await events).map((e) => `${e.type}:${'stage' in e ? e.stage : ''}`);
    expect(seen).toEqual([
      'stage-started:create maps',
      'stage-finished:create maps',
      'stage-started:load programs',
      'stage-failed:load programs',
    ]);
  });
});
