import { basename } from 'node:path';
import {
  type DeclaredOption,
  DeclaredOptions,
  type EventSink,
  type MapCollector,
  type ObjectReader,
  type ObjectSpec,
  type OpenContext,
  type OpenOptions,
  openOptionDescriptions,
  type ProgramCollector,
  type Stage,
  silentEvents,
  Tokens,
  UsageError,
} from '@bpfkit/core';
import type { Attacher, KernelBackend } from '@bpfkit/kernel-backend';
import { inject, injectable } from 'tsyringe';
import { type LoadStages, loadObject } from './load/load-object.js';
import { type LoadOptions, loadOptionDescriptions } from './load/load-options.js';
import { LoadTokens } from './load/load-stages.js';
import { type LoadOperation, startLoad } from './load-operation.js';
import { openObject } from './open/open-object.js';
import { readObjectFile } from './open/read-object-file.js';

/**
 * open -> (edit the spec) -> load -> attach, with every stage taken from the container it was
 * resolved from. Make one with createLoader(); plugins change stages, never this class. `O` and
 * `L` are the open() and load() options the pipeline's plugins declared, besides the defaults.
 */
@injectable()
export class Loader<O extends object = {}, L extends object = {}> {
  readonly #load: LoadStages;

  constructor(
    @inject(Tokens.ObjectReader.symbol) private readonly reader: ObjectReader,
    @inject(Tokens.MapCollectors.symbol) private readonly collectors: readonly MapCollector[],
    @inject(Tokens.ProgramCollector.symbol) private readonly programs: ProgramCollector,
    @inject(Tokens.SpecTransforms.symbol)
    private readonly transforms: readonly Stage<ObjectSpec, ObjectSpec, OpenContext>[],
    @inject(DeclaredOptions.symbol) private readonly declared: readonly DeclaredOption[],
    @inject(LoadTokens.KernelBackend.symbol) readonly backend: KernelBackend,
    @inject(LoadTokens.ProbeFeatures.symbol) probeFeatures: LoadStages['probeFeatures'],
    @inject(LoadTokens.ResolveExterns.symbol) resolveExterns: LoadStages['resolveExterns'],
    @inject(LoadTokens.LoadBtf.symbol) loadBtf: LoadStages['loadBtf'],
    @inject(LoadTokens.CreateMaps.symbol) createMaps: LoadStages['createMaps'],
    @inject(LoadTokens.RelocatePrograms.symbol) relocatePrograms: LoadStages['relocatePrograms'],
    @inject(LoadTokens.LoadPrograms.symbol) loadPrograms: LoadStages['loadPrograms'],
    @inject(LoadTokens.FillSlots.symbol) fillSlots: LoadStages['fillSlots'],
    @inject(LoadTokens.PrepareStructOps.symbol) prepareStructOps: LoadStages['prepareStructOps'],
    @inject(LoadTokens.Attachers.symbol) readonly attachers: readonly Attacher[],
  ) {
    this.#load = {
      backend,
      probeFeatures,
      resolveExterns,
      loadBtf,
      createMaps,
      relocatePrograms,
      loadPrograms,
      fillSlots,
      prepareStructOps,
      attachers,
    };
  }

  /** Reads an object (a path or its bytes) into an editable spec. Touches no kernel. */
  open(
    source: string | Uint8Array,
    options: OpenOptions & O = {} as OpenOptions & O,
    events: EventSink = silentEvents,
  ): ObjectSpec {
    this.#checkOptions('open', options);
    const fromFile = typeof source === 'string';
    const bytes = fromFile ? readObjectFile(source) : source;
    const name = options.name ?? (typeof source === 'string' ? objectNameOf(source) : 'object');
    const stages = {
      reader: this.reader,
      collectors: this.collectors,
      programs: this.programs,
      transforms: this.transforms,
    };
    // bytes read here belong to this open alone: the spec may keep views of them
    return openObject(bytes, name, stages, options, events, fromFile);
  }

  /**
   * Creates the spec's maps and loads its programs; undoes everything if any step fails. The
   * result is a Promise that also carries the load's events (see LoadOperation).
   */
  load(spec: ObjectSpec, options: LoadOptions & L = {} as LoadOptions & L): LoadOperation {
    return startLoad(async (events) => {
      this.#checkOptions('load', options);
      return loadObject(spec, this.#load, options, events);
    });
  }

  /** An unknown option key is a UsageError naming the keys this pipeline knows. */
  #checkOptions(phase: 'open' | 'load', options: object): void {
    const keys = Object.keys(options);
    if (keys.length === 0) return; // the common call: no set of known keys to build
    const defaults = phase === 'open' ? openOptionDescriptions : loadOptionDescriptions;
    const known = new Set([
      ...Object.keys(defaults),
      ...this.declared.filter((d) => d.phase === phase).map((d) => d.key),
    ]);
    const unknown = keys.filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new UsageError(`unknown ${phase} option ${unknown.join(', ')}`, {
        hint: `${phase} options of this pipeline: ${[...known].join(', ')}`,
      });
    }
  }
}

/** "xdp_prog.bpf.o" -> "xdp_prog": the file name up to its first '.', as libbpf names objects. */
export function objectNameOf(path: string): string {
  const name = basename(path);
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
