import { definePlugin, placeMapCollector, placeSpecTransform } from '@bpfkit/core';
import { iproute2MapCollector } from './iproute2-map-collector.js';
import { iproute2SpecTransform } from './iproute2-spec-transform.js';
import { type Iproute2OpenOptions, type Iproute2Options, iproute2OpenOptionDescriptions } from './options.js';

/**
 * Makes a loader read objects as tc does: the iproute2 collector goes first among the map
 * formats, and the spec transform that types tail-call programs and fills their slots runs after
 * the transforms already registered.
 */
export function iproute2Plugin(options: Iproute2Options = {}) {
  return definePlugin<Iproute2OpenOptions>({
    name: 'iproute2 maps',
    openOptions: iproute2OpenOptionDescriptions,
    register(container) {
      placeMapCollector(container, iproute2MapCollector(options));
      placeSpecTransform(container, iproute2SpecTransform(options));
    },
  });
}
