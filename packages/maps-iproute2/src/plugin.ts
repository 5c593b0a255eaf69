import {
  mapFormatPlugin,
  type ObjectSpec,
  type OpenContext,
  type Plugin,
  type Stage,
  Tokens,
} from '@bpfkit/core';
import { iproute2MapCollector } from './iproute2-map-collector.js';
import { iproute2SpecTransform } from './iproute2-spec-transform.js';
import type { Iproute2Options } from './options.js';

/**
 * Makes a loader read objects as tc does: the iproute2 collector goes first among the map
 * formats, and the spec transform that types tail-call programs and fills their slots is
 * appended to the open-time transforms. Registers into the given (child) container only; the
 * parent's lists are read, never changed.
 */
export function iproute2Plugin(options: Iproute2Options = {}): Plugin {
  const addCollector = mapFormatPlugin(iproute2MapCollector(options));
  return (container) => {
    addCollector(container);
    const transforms = container.isRegistered(Tokens.SpecTransforms, true)
      ? container.resolve<Stage<ObjectSpec, ObjectSpec, OpenContext>[]>(Tokens.SpecTransforms)
      : [];
    container.register(Tokens.SpecTransforms, { useValue: [...transforms, iproute2SpecTransform(options)] });
  };
}
