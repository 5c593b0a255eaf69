import type { DependencyContainer } from 'tsyringe';
import type { MapCollector } from './open-stages.js';
import { Tokens } from './tokens.js';

/** A plugin registers its stages into the container it is given (a child of the default one). */
export type Plugin = (container: DependencyContainer) => void;

/** A child container with the plugins applied; the parent stays untouched. */
export function withPlugins(parent: DependencyContainer, ...plugins: Plugin[]): DependencyContainer {
  const child = parent.createChildContainer();
  for (const plugin of plugins) plugin(child);
  return child;
}

/**
 * Rewrites the map-collector list seen by `container` (e.g. put a format first, or drop the
 * default `maps` collector). The list of the parent container is read, never changed.
 */
export function editMapCollectors(
  container: DependencyContainer,
  edit: (collectors: readonly MapCollector[]) => MapCollector[],
): void {
  const current = container.isRegistered(Tokens.MapCollectors, true)
    ? container.resolve<MapCollector[]>(Tokens.MapCollectors)
    : [];
  container.register(Tokens.MapCollectors, { useValue: edit(current) });
}

/** A plugin that puts a collector in front of the others, so it claims its sections first. */
export function mapFormatPlugin(collector: MapCollector): Plugin {
  return (container) =>
    editMapCollectors(container, (list) => [collector, ...list.filter((c) => c.format !== collector.format)]);
}
