import { definePlugin, placeMapCollector } from '@bpfkit/core';
import { bccMapCollector } from './bcc-map-collector.js';

/**
 * Makes a loader read BCC-style objects: the BCC collector goes first among the map formats and
 * claims every `maps/<type>` section. It reads no options.
 */
export function bccPlugin() {
  return definePlugin({
    name: 'bcc maps',
    register: (container) => placeMapCollector(container, bccMapCollector),
  });
}
