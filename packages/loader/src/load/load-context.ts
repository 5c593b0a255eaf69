import type { Artifacts, EventSink, ObjectSpec } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import type { LoadOptions } from './load-options.js';
import type { LoadResources } from './resources.js';

/**
 * What every load-time stage receives besides its input. `O` is the options a plugin declared;
 * its stages see those and the default ones.
 */
export interface LoadContext<O extends object = {}> {
  readonly spec: ObjectSpec;
  readonly backend: KernelBackend;
  readonly options: Readonly<LoadOptions & Partial<O>>;
  readonly events: EventSink;
  /**
   * Everything the load has made so far. A stage that makes a kernel object adopts its fd here,
   * so a later failure closes it and removes its pin: that is how a failed load leaves nothing.
   */
  readonly resources: LoadResources;
  /** typed results stages leave for later ones */
  readonly artifacts: Artifacts;
}
