import { mapFormatPlugin, type Plugin } from '@bpfkit/core';
import { bccMapCollector } from './bcc-map-collector.js';

/**
 * Makes a loader read BCC-style objects: the BCC collector goes first among the map formats and
 * claims every `maps/<type>` section. Registers into the given (child) container only; the
 * parent's list is read, never changed.
 */
export function bccPlugin(): Plugin {
  return mapFormatPlugin(bccMapCollector);
}
