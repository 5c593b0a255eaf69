import { MapType } from '@bpfkit/core';
import { type KernelBackend, perfBufferEvents, ringBufferEvents } from '@bpfkit/kernel-backend';
import type { LiveMap } from '@bpfkit/loader';
import type { Subscription } from 'rxjs';
import type { Io } from '../io.js';
import type { EventPrinter } from './event-decoder.js';

/** The maps `bpfkit run` streams: every ring buffer and every perf event array. */
export function streamMaps(maps: Iterable<LiveMap>): LiveMap[] {
  return [...maps].filter((m) => m.spec.type === MapType.RINGBUF || m.spec.type === MapType.PERF_EVENT_ARRAY);
}

/**
 * Prints every record of the stream maps, one line each (prefixed with the map's name when there
 * is more than one map). Lost perf samples and read errors go to stderr; the run goes on.
 */
export function printEvents(
  maps: readonly LiveMap[],
  backend: KernelBackend,
  printer: EventPrinter,
  io: Io,
): Subscription[] {
  const prefix = (map: LiveMap) => (maps.length > 1 && !printer.json ? `${map.name}: ` : '');
  const failed = (map: LiveMap) => (error: unknown) =>
    io.err(`bpfkit: events of map ${map.name} stopped: ${(error as Error).message}`);
  return maps.map((map) =>
    map.spec.type === MapType.RINGBUF
      ? ringBufferEvents(map.fd, { backend }).subscribe({
          next: (record) => io.out(prefix(map) + printer.line(record)),
          error: failed(map),
        })
      : perfBufferEvents(map.fd, { backend }).subscribe({
          next: (event) =>
            event.type === 'sample'
              ? io.out(prefix(map) + printer.line(event.data))
              : io.err(`bpfkit: ${map.name}: lost ${event.lost} samples on CPU ${event.cpu}`),
          error: failed(map),
        }),
  );
}
