import type { DependencyContainer } from 'tsyringe';
import type { ObjectSpec } from '../spec/object.js';
import type { MapCollector, OpenContext, OptionDescriptions } from './open-stages.js';
import { type Placement, placeStage } from './placement.js';
import type { Stage } from './stage.js';
import { registerValue, resolveTokenOr, type Token, token } from './token.js';
import { Tokens } from './tokens.js';

/**
 * A plugin: a name, the options its stages read, and a function that registers its stages into
 * the container it is given (a child of the default pipeline's, so the defaults stay untouched).
 * `O` is what open() accepts for it, `L` what load() accepts; both are checked at compile time
 * (a misspelt key is a type error) and at run time (an unknown key is a UsageError).
 */
export interface Plugin<O extends object = {}, L extends object = {}> {
  /** a short lowercase name, used in messages ('bcc maps', 'tc netlink') */
  readonly name: string;
  /** the open() option keys this plugin's stages read, each with a line of help */
  readonly openOptions?: OptionDescriptions<O>;
  /** the load() option keys this plugin's stages read */
  readonly loadOptions?: OptionDescriptions<L>;
  register(container: DependencyContainer): void;
  /** phantom fields that carry O and L for inference; never set */
  readonly __open?: O;
  readonly __load?: L;
}

/** Typed identity: `definePlugin<{ 'bcc.strict'?: boolean }>({ ... })` fixes what its stages may read. */
export function definePlugin<O extends object = {}, L extends object = {}>(
  plugin: Plugin<O, L>,
): Plugin<O, L> {
  return plugin;
}

// biome-ignore lint/suspicious/noExplicitAny: any plugin, whatever options it declares.
export type AnyPlugin = Plugin<any, any>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type OpenOf<P> = P extends Plugin<infer O, object> ? O : never;
type LoadOf<P> = P extends Plugin<object, infer L> ? L : never;
/** The open() options every plugin of a list declares, together (unknown when none does). */
export type PluginOpenOptions<P extends readonly AnyPlugin[]> = UnionToIntersection<OpenOf<P[number]>>;
/** The load() options every plugin of a list declares, together. */
export type PluginLoadOptions<P extends readonly AnyPlugin[]> = UnionToIntersection<LoadOf<P[number]>>;

/** One option key a plugin declared, as the loader checks options at run time. */
export interface DeclaredOption {
  readonly phase: 'open' | 'load';
  readonly key: string;
  readonly description: string;
  readonly plugin: string;
}

/** The option keys the plugins of a container declared (the loader adds its own defaults). */
export const DeclaredOptions: Token<readonly DeclaredOption[]> = token('declared options');

/**
 * A child container with the plugins registered in order; the parent stays untouched. Where two
 * plugins place stages in the same list, the later one's placement is applied last.
 */
export function withPlugins(
  parent: DependencyContainer,
  ...plugins: readonly AnyPlugin[]
): DependencyContainer {
  const child = parent.createChildContainer();
  const declared = [...resolveTokenOr(parent, DeclaredOptions, [])];
  for (const plugin of plugins) {
    plugin.register(child);
    for (const [phase, descriptions] of [
      ['open', plugin.openOptions],
      ['load', plugin.loadOptions],
    ] as const) {
      for (const [key, description] of Object.entries(descriptions ?? {})) {
        declared.push({ phase, key, description: String(description), plugin: plugin.name });
      }
    }
  }
  registerValue(child, DeclaredOptions, declared);
  return child;
}

/**
 * Places a stage in an ordered list registered under `key` (map collectors, spec transforms,
 * attachers) as seen by `container`; the parent's list is read, never changed.
 */
export function placeInList<T>(
  container: DependencyContainer,
  key: Token<readonly T[]>,
  item: T,
  placement: Placement,
  nameOf: (stage: T) => string,
): void {
  registerValue(container, key, placeStage(resolveTokenOr(container, key, []), item, placement, nameOf));
}

/**
 * Wraps the single stage registered under `key`: `wrap` gets the current stage and returns the
 * one to use, which may call the current one before or after its own work, or not at all.
 */
export function wrapStage<T>(container: DependencyContainer, key: Token<T>, wrap: (current: T) => T): void {
  const current = container.resolve<T>(key.symbol);
  registerValue(container, key, wrap(current));
}

/** A plugin's map format: by default placed first, so it claims its sections before the defaults. */
export function placeMapCollector<O extends object>(
  container: DependencyContainer,
  collector: MapCollector<O>,
  placement: Placement = 'first',
): void {
  placeInList(container, Tokens.MapCollectors, collector as MapCollector, placement, (c) => c.format);
}

/** A spec transform, by default run after those already registered. */
export function placeSpecTransform<O extends object>(
  container: DependencyContainer,
  transform: Stage<ObjectSpec, ObjectSpec, OpenContext<O>>,
  placement: Placement = 'last',
): void {
  placeInList(
    container,
    Tokens.SpecTransforms,
    transform as Stage<ObjectSpec, ObjectSpec, OpenContext>,
    placement,
    (t) => t.name,
  );
}

/** Removes the map collector of a format (e.g. the legacy `maps` one), as seen by `container`. */
export function removeMapCollector(container: DependencyContainer, format: string): void {
  const list = resolveTokenOr(container, Tokens.MapCollectors, []);
  registerValue(
    container,
    Tokens.MapCollectors,
    list.filter((c) => c.format !== format),
  );
}
