// The composition root: the one place that loads the decorator metadata polyfill tsyringe needs.
import 'reflect-metadata';
import {
  type AnyPlugin,
  DeclaredOptions,
  type PluginLoadOptions,
  type PluginOpenOptions,
  registerFactory,
  registerValue,
  Tokens,
  UsageError,
  withPlugins,
} from '@bpfkit/core';
import { defaultAttachers, type KernelBackend, LinuxBackend } from '@bpfkit/kernel-backend';
import { btfMapCollector, globalDataCollector, structOpsCollector } from '@bpfkit/maps-btf';
import { legacyMapCollector } from '@bpfkit/maps-legacy';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import {
  createMapsStage,
  fillSlotsStage,
  loadBtfStage,
  loadProgramsStage,
  prepareStructOpsStage,
  probeFeaturesStage,
  relocateProgramsStage,
  resolveExternsStage,
} from './load/default-load-stages.js';
import { LoadTokens } from './load/load-stages.js';
import { Loader } from './loader.js';
import { elfObjectReader } from './open/elf-object-reader.js';
import { elfProgramCollector } from './open/program-collector.js';

export interface DefaultContainerOptions {
  /** the backend every syscall goes through; default: the Linux backend */
  backend?: KernelBackend;
}

/**
 * A fresh container (a child of tsyringe's root, which stays empty) with the default stage behind
 * every token of every phase. Plugins register over it in a child container (withPlugins).
 */
export function createDefaultContainer(options: DefaultContainerOptions = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  registerValue(c, Tokens.ObjectReader, elfObjectReader);
  // libbpf's order: BTF-defined maps, then global data, then legacy definitions.
  registerValue(c, Tokens.MapCollectors, [
    btfMapCollector,
    globalDataCollector,
    structOpsCollector,
    legacyMapCollector,
  ]);
  registerValue(c, Tokens.ProgramCollector, elfProgramCollector);
  registerValue(c, Tokens.SpecTransforms, []);
  registerValue(c, DeclaredOptions, []);
  if (options.backend) registerValue(c, LoadTokens.KernelBackend, options.backend);
  else registerFactory(c, LoadTokens.KernelBackend, () => new LinuxBackend());
  registerValue(c, LoadTokens.ProbeFeatures, probeFeaturesStage);
  registerValue(c, LoadTokens.ResolveExterns, resolveExternsStage);
  registerValue(c, LoadTokens.LoadBtf, loadBtfStage);
  registerValue(c, LoadTokens.CreateMaps, createMapsStage);
  registerValue(c, LoadTokens.RelocatePrograms, relocateProgramsStage);
  registerValue(c, LoadTokens.LoadPrograms, loadProgramsStage);
  registerValue(c, LoadTokens.FillSlots, fillSlotsStage);
  registerValue(c, LoadTokens.PrepareStructOps, prepareStructOpsStage);
  registerValue(c, LoadTokens.Attachers, defaultAttachers);
  return c;
}

export interface LoaderOptions<P extends readonly AnyPlugin[]> extends DefaultContainerOptions {
  /** plugins applied in order over the default pipeline */
  plugins?: P;
}

/** What a loader built with these plugins accepts: the defaults plus what each plugin declared. */
export type LoaderOf<P extends readonly AnyPlugin[]> = Loader<
  OrEmpty<PluginOpenOptions<P>>,
  OrEmpty<PluginLoadOptions<P>>
>;
type OrEmpty<T> = unknown extends T ? {} : T extends object ? T : {};

/**
 * The loader of the default pipeline with `plugins` applied (and the Linux backend unless another
 * is given). Its open() and load() accept the options the plugins declared, checked by the type
 * system and again at run time.
 */
export function createLoader<const P extends readonly AnyPlugin[] = []>(
  options: LoaderOptions<P> = {},
): LoaderOf<P> {
  if (typeof (options as { resolve?: unknown }).resolve === 'function') {
    throw new UsageError('createLoader takes options ({ backend, plugins }), not a container', {
      hint: 'for a container built by hand, use loaderFrom(container)',
    });
  }
  const base = createDefaultContainer(options.backend ? { backend: options.backend } : {});
  return loaderFrom(withPlugins(base, ...(options.plugins ?? []))) as LoaderOf<P>;
}

/** The loader of a container built by hand (createDefaultContainer plus withPlugins, or more). */
export function loaderFrom(container: DependencyContainer): Loader {
  return container.resolve(Loader);
}
