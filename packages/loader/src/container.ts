import { Tokens } from '@bpfkit/core';
import { type KernelBackend, LinuxBackend } from '@bpfkit/kernel-backend';
import { btfMapCollector, globalDataCollector, structOpsCollector } from '@bpfkit/maps-btf';
import { legacyMapCollector } from '@bpfkit/maps-legacy';
import { type DependencyContainer, instanceCachingFactory, container as rootContainer } from 'tsyringe';
import { Loader } from './loader.js';
import { elfObjectReader } from './open/elf-object-reader.js';
import { elfProgramCollector } from './open/program-collector.js';

export interface DefaultContainerOptions {
  /** the backend every syscall goes through; default: the Linux backend */
  backend?: KernelBackend;
}

/**
 * The composition root: a fresh container (a child of tsyringe's root, which stays empty) with
 * the default stage behind every token. Plugins register over it in a child container.
 */
export function createDefaultContainer(options: DefaultContainerOptions = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(Tokens.ObjectReader, { useValue: elfObjectReader });
  // libbpf's order: BTF-defined maps, then global data, then legacy definitions.
  c.register(Tokens.MapCollectors, {
    useValue: [btfMapCollector, globalDataCollector, structOpsCollector, legacyMapCollector],
  });
  c.register(Tokens.ProgramCollector, { useValue: elfProgramCollector });
  c.register(Tokens.SpecTransforms, { useValue: [] });
  if (options.backend) c.register(Tokens.KernelBackend, { useValue: options.backend });
  else c.register(Tokens.KernelBackend, { useFactory: instanceCachingFactory(() => new LinuxBackend()) });
  return c;
}

/** The loader of a container (default: the default pipeline). */
export function createLoader(container: DependencyContainer = createDefaultContainer()): Loader {
  return container.resolve(Loader);
}
