import { type Btf, type BtfValue, decodeValue } from '@bpfkit/btf';
import { type ObjectSpec, UsageError } from '@bpfkit/core';
import { specBtf } from '@bpfkit/loader';
import { hexBytes, jsonValue, valueText } from '../values/value-text.js';

/** Turns one ring-buffer record or perf sample into its printed line. */
export interface EventPrinter {
  /** the struct records are decoded as, e.g. "struct event"; undefined: hex */
  readonly recordType: string | undefined;
  readonly json: boolean;
  /** the object the records come from */
  readonly spec?: ObjectSpec;
  line(record: Uint8Array): string;
}

/**
 * The record type: the struct named by --event-type, else the object's one struct named `event`
 * (the name libbpf-tools and bpf2go examples use), else none and records print as hex.
 */
export function recordTypeId(spec: ObjectSpec, eventType: string | undefined): number | undefined {
  const btf = specBtf(spec);
  if (eventType !== undefined) {
    const name = eventType.replace(/^struct\s+/, '');
    const ids = btf?.findByName(name, 'STRUCT') ?? [];
    if (ids.length === 0) {
      throw new UsageError(`--event-type: ${spec.name} has no struct named ${name}`, {
        location: { object: spec.name },
        hint: btf ? `structs: ${structNames(btf).join(', ')}` : 'the object has no BTF (build it with -g)',
      });
    }
    return ids[0];
  }
  const candidates = btf?.findByName('event', 'STRUCT') ?? [];
  return candidates.length === 1 ? candidates[0] : undefined;
}

function structNames(btf: Btf): string[] {
  const names: string[] = [];
  for (let id = btf.firstTypeId; id <= btf.typeCount && names.length < 30; id++) {
    if (btf.kindOf(id) === 'STRUCT' && btf.typeName(id)) names.push(btf.typeName(id));
  }
  return names;
}

export function eventPrinter(spec: ObjectSpec, eventType: string | undefined, json: boolean): EventPrinter {
  const btf = specBtf(spec);
  const typeId = recordTypeId(spec, eventType);
  const decode = (record: Uint8Array): BtfValue | undefined => {
    if (!btf || typeId === undefined || record.length < btf.resolveSize(typeId)) return undefined;
    return decodeValue(btf, typeId, record);
  };
  return {
    recordType: btf && typeId !== undefined ? btf.formatType(typeId) : undefined,
    json,
    spec,
    line(record) {
      const value = decode(record);
      if (value === undefined) return json ? JSON.stringify({ bytes: hexBytes(record) }) : hexBytes(record);
      return json ? JSON.stringify(jsonValue(value)) : valueText(value);
    },
  };
}
