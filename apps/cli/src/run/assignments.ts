import type { BtfValue } from '@bpfkit/btf';
import { NotFoundError, type ObjectSpec, UsageError } from '@bpfkit/core';
import { setVariable } from '@bpfkit/loader';

/** "NAME=VALUE" split at the first '='; both sides must be non-empty. */
export function splitAssignment(text: string, option: string, example: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(`${option} takes NAME=VALUE, not ${text}`, { hint: `${option} ${example}` });
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * A --set value: JSON when it parses (numbers, booleans, arrays, objects, "quoted strings"),
 * "123n" or an integer beyond 2^53 as a bigint (JSON would round it), anything else as a string
 * (so `--set comm=bash` needs no quotes).
 */
export function parseSetValue(text: string): BtfValue {
  if (/^-?\d+n$/.test(text)) return BigInt(text.slice(0, -1));
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return BigInt(text);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null) return parsed as BtfValue;
  } catch {
    // not JSON: a plain string
  }
  return text;
}

/** --set VAR=VALUE...: initial values of global variables, written into the spec before load. */
export function applySets(spec: ObjectSpec, assignments: readonly string[]): void {
  for (const text of assignments) {
    const [name, value] = splitAssignment(text, '--set', 'verdict=2');
    setVariable(spec, name, parseSetValue(value));
  }
}

/** --set-max-entries MAP=N...: edits the spec's map before it is created (libbpf's set_max_entries). */
export function applyMaxEntries(spec: ObjectSpec, assignments: readonly string[]): void {
  for (const text of assignments) {
    const [name, count] = splitAssignment(text, '--set-max-entries', 'events=262144');
    const maxEntries = Number(count);
    if (!Number.isInteger(maxEntries) || maxEntries <= 0 || maxEntries > 0xffffffff) {
      throw new UsageError(`--set-max-entries ${name}: ${count} is not a positive 32-bit integer`);
    }
    const map = spec.maps.find((m) => m.name === name);
    if (!map) {
      throw new NotFoundError(`no map named ${name}`, {
        location: { object: spec.name, map: name },
        hint: `maps: ${spec.maps.map((m) => m.name).join(', ')}`,
      });
    }
    if (map.kind === 'data') {
      throw new UsageError(`${name} is a global-data map: it always holds one entry`, {
        location: { object: spec.name, map: name },
      });
    }
    map.maxEntries = maxEntries;
  }
}
