import { readFileSync } from 'node:fs';
import { MapDefinitionError } from '@bpfkit/core';
import { Iproute2Pinning } from './elf-map-definition.js';

/** Where iproute2 reads the ids of custom pinning subpaths (CONFDIR "/bpf_pinning"). */
export const DEFAULT_PINNING_FILE = '/etc/iproute2/bpf_pinning';

/**
 * Parses bpf_pinning: "<id> <subpath>" per line, blank lines and '#' comments skipped, ids in
 * C notation (42, 0x2a, 052) as sscanf's %i reads them. Reserved ids (0, 1, 2) are ignored as
 * iproute2 ignores them; a line that is not "<id> <subpath>" is an error naming the line.
 */
export function parsePinningDatabase(text: string, file = DEFAULT_PINNING_FILE): Map<number, string> {
  const entries = new Map<number, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\S+)\s+([^\s#]+)\s*(#.*)?$/.exec(line);
    const id = match ? parseCInteger(match[1]!) : undefined;
    if (!match || id === undefined) {
      throw new MapDefinitionError(`${file} line ${index + 1} is not "<id> <subpath>": ${line}`, {
        location: { field: 'pinning' },
      });
    }
    if (id === Iproute2Pinning.NONE || id === Iproute2Pinning.OBJECT_NS || id === Iproute2Pinning.GLOBAL_NS)
      return;
    // iproute2 keeps every entry and finds the newest first; the last line for an id wins.
    entries.set(id, match[2]!.replace(/^\/+|\/+$/g, ''));
  });
  return entries;
}

/** Reads and parses a bpf_pinning file; a missing file is an empty database, as for iproute2. */
export function readPinningDatabase(file = DEFAULT_PINNING_FILE): Map<number, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new MapDefinitionError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return parsePinningDatabase(text, file);
}

/** A u32 written as decimal, 0x hex or 0 octal; undefined for anything else. */
function parseCInteger(text: string): number | undefined {
  let value: number;
  if (/^0x[0-9a-f]+$/i.test(text)) value = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) value = Number.parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) value = Number.parseInt(text, 10);
  else return undefined;
  return value <= 0xffffffff ? value : undefined;
}
