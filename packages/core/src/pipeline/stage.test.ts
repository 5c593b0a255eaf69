import { describe, expect, it } from 'vitest';
import { ElfError } from '../errors.js';
import { type EventSink, type LoaderEvent, silentEvents } from './events.js';
import { runStage, runStageSync } from './stage.js';

/** A sink that keeps what it is told, and its events as `type:stage` lines. */
function recordingSink() {
  const seen: LoaderEvent[] = [];
  const events: EventSink = { emit: (event) => seen.push(event) };
  const lines = () => seen.map((e) => `${e.type}:${'stage' in e ? e.stage : ''}`);
  return { events, lines };
}

describe('runStage', () => {
  it('reports each stage with its duration, and a failure with the stage as context', async () => {
    const { events, lines } = recordingSink();
    await runStage('load', { name: 'create maps', run: () => 1 }, undefined, undefined, events);
    const failing = { name: 'load programs', run: () => Promise.reject(new ElfError('bad')) };
    await expect(runStage('load', failing, undefined, undefined, events)).rejects.toThrow(
      'load programs: bad',
    );
    expect(lines()).toEqual([
      'stage-started:create maps',
      'stage-finished:create maps',
      'stage-started:load programs',
      'stage-failed:load programs',
    ]);
  });
});

describe('runStageSync', () => {
  const failing = {
    name: 'collect maps',
    run: (): number => {
      throw new ElfError('bad');
    },
  };

  it('reports stages to a listening sink, and names the failing stage', () => {
    const { events, lines } = recordingSink();
    expect(runStageSync('open', { name: 'read', run: () => 2 }, undefined, undefined, events)).toBe(2);
    expect(() => runStageSync('open', failing, undefined, undefined, events)).toThrow('collect maps: bad');
    expect(lines()).toEqual([
      'stage-started:read',
      'stage-finished:read',
      'stage-started:collect maps',
      'stage-failed:collect maps',
    ]);
  });

  it('runs without events for the silent sink, with the same error context', () => {
    expect(runStageSync('open', { name: 'read', run: () => 2 }, undefined, undefined, silentEvents)).toBe(2);
    expect(() => runStageSync('open', failing, undefined, undefined, silentEvents)).toThrow(
      expect.objectContaining({ name: 'ElfError', message: 'collect maps: bad' }),
    );
    const asynchronous = { name: 'late', run: () => Promise.resolve(1) };
    expect(() => runStageSync('open', asynchronous, undefined, undefined, silentEvents)).toThrow(
      new TypeError('stage late is asynchronous'),
    );
  });
});
