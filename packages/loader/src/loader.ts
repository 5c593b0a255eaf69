import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type EventSink,
  type MapCollector,
  type ObjectReader,
  type ObjectSpec,
  type OpenContext,
  type Operation,
  type ProgramCollector,
  type Stage,
  silentEvents,
  startOperation,
  Tokens,
  UsageError,
} from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { inject, injectable } from 'tsyringe';
import type { LoadedObject } from './live/loaded-object.js';
import { type LoadOptions, loadObject } from './load/load-object.js';
import { type OpenObjectOptions, openObject } from './open/open-object.js';

/** A pending load: await it for the LoadedObject, or subscribe to `events` to watch it work. */
export interface LoadOperation extends Operation<LoadedObject>, PromiseLike<LoadedObject> {}

/**
 * open -> (edit the spec) -> load, with every stage taken from the container it was resolved
 * from. Make one with createLoader(); plugins change stages, never this class.
 */
@injectable()
export class Loader {
  constructor(
    @inject(Tokens.ObjectReader) private readonly reader: ObjectReader,
    @inject(Tokens.MapCollectors) private readonly collectors: MapCollector[],
    @inject(Tokens.ProgramCollector) private readonly programs: ProgramCollector,
    @inject(Tokens.SpecTransforms) private readonly transforms: Stage<ObjectSpec, ObjectSpec, OpenContext>[],
    @inject(Tokens.KernelBackend) readonly backend: KernelBackend,
  ) {}

  /** Reads an object (a path or its bytes) into an editable spec. Touches no kernel. */
  open(
    source: string | Uint8Array,
    options: OpenObjectOptions = {},
    events: EventSink = silentEvents,
  ): ObjectSpec {
    const bytes = typeof source === 'string' ? readObjectFile(source) : source;
    const name = options.name ?? (typeof source === 'string' ? objectNameOf(source) : 'object');
    const stages = {
      reader: this.reader,
      collectors: this.collectors,
      programs: this.programs,
      transforms: this.transforms,
    };
    return openObject(bytes, name, stages, options, events);
  }

  /** Creates the spec's maps and loads its programs; undoes everything if any step fails. */
  load(spec: ObjectSpec, options: LoadOptions = {}): LoadOperation {
    const operation = startOperation((events) => loadObject(spec, this.backend, options, events));
    return {
      events: operation.events,
      result: operation.result,
      // biome-ignore lint/suspicious/noThenProperty: a LoadOperation is awaitable on purpose.
      then: (onFulfilled, onRejected) => operation.result.then(onFulfilled, onRejected),
    };
  }
}

function readObjectFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'give the path of a BPF object file (.o)',
      cause: error,
    });
  }
}

/** "xdp_prog.bpf.o" -> "xdp_prog": the file name up to its first '.', as libbpf names objects. */
export function objectNameOf(path: string): string {
  const name = basename(path);
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
