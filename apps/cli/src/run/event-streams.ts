import { MapType } from '@bpfkit/core';
import {
  type KernelBackend,
  perfBufferEvents,
  ringBufferDrops,
  ringBufferEvents,
} from '@bpfkit/kernel-backend';
import { dropCounterName, globalVariables, type LiveMap, readLiveVariable } from '@bpfkit/loader';
// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { Subscription } from 'rxjs/internal/Subscription';
import type { Io } from '../io.js';
import { BoundedOutput, type BoundedOutputOptions } from './bounded-output.js';
import type { EventPrinter } from './event-decoder.js';

/** The maps `bpfkit run` streams, remembering every map of the object (drop counters live in .bss). */
export type StreamMaps = LiveMap[] & { readonly all?: ReadonlyMap<string, LiveMap> };

/** The maps `bpfkit run` streams: every ring buffer and every perf event array. */
export function streamMaps(maps: Iterable<LiveMap>): StreamMaps {
  const all = new Map([...maps].map((m) => [m.name, m]));
  const streamed = [...all.values()].filter(
    (m) => m.spec.type === MapType.RINGBUF || m.spec.type === MapType.PERF_EVENT_ARRAY,
  );
  return Object.assign(streamed, { all });
}

/**
 * Prints every record of the stream maps, one line each (prefixed with the map's name when there
 * is more than one map), through a BoundedOutput: behind a stalled stdout reader records are
 * dropped and counted, not queued without limit. Lost perf samples, ring-buffer drops the program
 * counted (`<ring>_drops`), records dropped here and read errors go to stderr; the run goes on.
 */
export function printEvents(
  maps: StreamMaps | readonly LiveMap[],
  backend: KernelBackend,
  printer: EventPrinter,
  io: Io,
  options: BoundedOutputOptions = {},
): Subscription[] {
  const output = new BoundedOutput(io.out, io.err, options);
  const prefix = (map: LiveMap) => (maps.length > 1 && !printer.json ? `${map.name}: ` : '');
  const failed = (map: LiveMap) => (error: unknown) =>
    io.err(`bpfkit: events of map ${map.name} stopped: ${(error as Error).message}`);
  const subscriptions = maps.map((map) => {
    if (map.spec.type !== MapType.RINGBUF) {
      return perfBufferEvents(map.fd, { backend }).subscribe({
        next: (event) =>
          event.type === 'sample'
            ? output.line(`map ${map.name}`, () => prefix(map) + printer.line(event.data))
            : io.err(`bpfkit: ${map.name}: lost ${event.lost} samples on CPU ${event.cpu}`),
        error: failed(map),
      });
    }
    const subscription = new Subscription();
    subscription.add(
      ringBufferEvents(map.fd, { backend }).subscribe({
        next: (record) => output.line(`map ${map.name}`, () => prefix(map) + printer.line(record)),
        error: failed(map),
      }),
    );
    const counter = dropCounter(map, maps, printer);
    if (counter) {
      subscription.add(
        ringBufferDrops(counter, { intervalMs: 1000 }).subscribe({
          next: (d) =>
            io.err(
              `bpfkit: ${map.name}: the ring was full, the program dropped ${d.added} records (${d.total} in all)`,
            ),
          error: failed(map),
        }),
      );
    }
    return subscription;
  });
  // the closing report, once every stream has stopped
  subscriptions[subscriptions.length - 1]?.add(() => output.finish());
  return subscriptions;
}

/** Reads `<ring>_drops` when the object declares it (see ringBufferDrops for the BPF side). */
function dropCounter(
  ring: LiveMap,
  maps: StreamMaps | readonly LiveMap[],
  printer: EventPrinter,
): (() => bigint) | undefined {
  const all = 'all' in maps ? maps.all : undefined;
  const spec = printer.spec;
  const name = dropCounterName(ring.name);
  if (!all || !spec || !globalVariables(spec).some((v) => v.name === name)) return undefined;
  return () => BigInt(readLiveVariable(spec, all, name) as number | bigint);
}
