import { type EventSink, ProgramType, silentEvents } from '@bpfkit/core';
import type { Link } from '@bpfkit/kernel-backend';
import { canAutoAttach, type LoadedObject, type Loader, objectNameOf } from '@bpfkit/loader';
import type { Subscription } from 'rxjs';
import type { Io } from '../io.js';
import { applyMaxEntries, applySets } from '../run/assignments.js';
import { eventPrinter } from '../run/event-decoder.js';
import { printEvents, streamMaps } from '../run/event-streams.js';
import { exitSummary, renderSummaryText, summaryJson } from '../run/exit-summary.js';
import { untilStopped } from '../stop-signal.js';

export interface RunOptions {
  /** the object's bytes, when the caller read them already */
  bytes?: Uint8Array;
  format?: string;
  /** attach only these programs; empty: every program whose section names its target */
  programs: readonly string[];
  durationSeconds?: number;
  /** unwritten output held behind a slow reader before records drop (default 8 MiB) */
  maxPendingBytes?: number;
  json: boolean;
  /** VAR=VALUE initial values of global variables */
  sets: readonly string[];
  /** MAP=N */
  maxEntries: readonly string[];
  /** the struct ring-buffer records and perf samples are decoded as */
  eventType?: string;
  pinRoot?: string;
  /** where open-time decisions and warnings go */
  events?: EventSink;
  /** aborting it ends the run (main wires SIGINT and SIGTERM to it) */
  stop: AbortSignal;
}

/** Time given to records already in the rings to reach the printer after the stop (> the 2 ms poll). */
const DRAIN_MS = 25;

/**
 * `bpfkit run`: open, adjust the spec (--set, --set-max-entries), load, attach, print every
 * ring-buffer record and perf sample as it comes, and at the end print the maps and variables,
 * as bpftrace does; then detach and close everything.
 */
export async function runCommand(loader: Loader, path: string, options: RunOptions, io: Io): Promise<void> {
  const spec = loader.open(
    options.bytes ?? path,
    {
      ...(options.bytes ? { name: objectNameOf(path) } : {}),
      ...(options.format ? { format: options.format } : {}),
    },
    options.events ?? silentEvents,
  );
  applyMaxEntries(spec, options.maxEntries);
  applySets(spec, options.sets);
  const printer = eventPrinter(spec, options.eventType, options.json);
  const loaded = await loader.load(spec, options.pinRoot ? { pinRoot: options.pinRoot } : {});
  let links: Link[] = [];
  let subscriptions: Subscription[] = [];
  try {
    links = attach(loaded, options.programs, io);
    const streamed = streamMaps(loaded.maps.values());
    subscriptions = printEvents(
      streamed,
      loader.backend,
      printer,
      io,
      options.maxPendingBytes === undefined ? {} : { maxPendingBytes: options.maxPendingBytes },
    );
    const names = links.length > 0 ? ` (${attachedNames(loaded, options.programs).join(', ')})` : '';
    const duration =
      options.durationSeconds === undefined
        ? 'until Ctrl-C'
        : `for ${options.durationSeconds} s, Ctrl-C to stop`;
    io.err(
      `bpfkit: attached ${links.length} program${links.length === 1 ? '' : 's'}${names}; running ${duration}`,
    );
    if (streamed.length > 0 && options.eventType === undefined && !printer.recordType) {
      io.err('bpfkit: no struct event in BTF: records print as hex (--event-type STRUCT decodes them)');
    }
    await untilStopped(
      options.stop,
      options.durationSeconds === undefined ? undefined : options.durationSeconds * 1000,
    );
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const summary = exitSummary(loaded, loader.backend, io);
    const text = options.json ? summaryJson(summary) : renderSummaryText(summary);
    if (text) io.out(text);
  } finally {
    for (const link of links) link.close();
    for (const subscription of subscriptions) subscription.unsubscribe();
    loaded.close();
  }
}

/**
 * --prog names attach one by one (undone if one fails); without them, libbpf's auto-attach: every
 * program whose section names its target, and every struct_ops map registered (as libbpf's
 * skeleton attach does), until the run ends.
 */
function attach(loaded: LoadedObject, programs: readonly string[], io: Io): Link[] {
  const links: Link[] = [];
  try {
    if (programs.length > 0) {
      for (const name of programs) links.push(loaded.program(name).attach());
      return links;
    }
    const left = [...loaded.programs.values()]
      .filter((p) => !canAutoAttach(p.spec) && p.spec.type !== ProgramType.STRUCT_OPS)
      .map((p) => p.name);
    if (left.length > 0) {
      io.err(`bpfkit: not attached (they need an interface, cgroup or socket): ${left.join(', ')}`);
    }
    links.push(...loaded.attachAll());
    for (const name of structOpsMaps(loaded)) links.push(loaded.attachStructOps(name));
    return links;
  } catch (error) {
    for (const link of links) link.close();
    throw error;
  }
}

function structOpsMaps(loaded: LoadedObject): string[] {
  return [...loaded.maps.values()].filter((m) => m.spec.kind === 'struct-ops').map((m) => m.name);
}

function attachedNames(loaded: LoadedObject, programs: readonly string[]): string[] {
  if (programs.length > 0) return [...programs];
  return [
    ...[...loaded.programs.values()].filter((p) => canAutoAttach(p.spec)).map((p) => p.name),
    ...structOpsMaps(loaded).map((name) => `struct_ops ${name}`),
  ];
}
