import { describe, expect, it } from 'vitest';
import { ElfError } from '../errors.js';
import type { EventSink, LoaderEvent } from './events.js';
import { runStage } from './stage.js';

describe('runStage', () => {
  it('reports each stage with its duration, and a failure with the stage as context', async () => {
    const seen: LoaderEvent[] = [];
    const events: EventSink = { emit: (event) => seen.push(event) };
    await runStage('load', { name: 'create maps', run: () => 1 }, undefined, undefined, events);
    const failing = { name: 'load programs', run: () => Promise.reject(new ElfError('bad')) };
    await expect(runStage('load', failing, undefined, undefined, events)).rejects.toThrow(
      'load programs: bad',
    );
    expect(seen.map((e) => `${e.type}:${'stage' in e ? e.stage : ''}`)).toEqual([
      'stage-started:create maps',
      'stage-finished:create maps',
      'stage-started:load programs',
      'stage-failed:load programs',
    ]);
  });
});
