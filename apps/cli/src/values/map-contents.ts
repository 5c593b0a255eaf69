import { type Btf, type BtfValue, decodeValue } from '@bpfkit/btf';
import { isPerCpuMapType, MapType } from '@bpfkit/core';
import type { FdArg, KernelBackend } from '@bpfkit/kernel-backend';
import { hexBytes, jsonValue, valueText } from './value-text.js';

/** What reading a map needs to know about it (struct bpf_map_info's first fields). */
export interface MapShape {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
}

/** BTF that describes a map's key and value; a type id of 0 means "not described". */
export interface MapTypes {
  btf: Btf;
  keyTypeId: number;
  valueTypeId: number;
}

/** One entry: the key, and one value per possible CPU for per-CPU maps, else one value. */
export interface RawEntry {
  key: Uint8Array;
  values: Uint8Array[];
}

/** A key or value decoded from BTF, or its bytes in hex when there is no BTF for it. */
export type ShownValue = { btf: BtfValue } | { hex: string };

export interface ShownEntry {
  key: ShownValue;
  /** the value; for per-CPU maps the sum over CPUs when numeric, else the list of CPU values */
  value: ShownValue;
}

/** Map types with no key/value pairs to walk (streams, queues, filters, struct_ops). */
const notWalkable: ReadonlySet<number> = new Set([
  MapType.RINGBUF,
  MapType.USER_RINGBUF,
  MapType.PERF_EVENT_ARRAY,
  MapType.QUEUE,
  MapType.STACK,
  MapType.BLOOM_FILTER,
  MapType.STRUCT_OPS,
  MapType.ARENA,
]);

export function canWalk(type: number): boolean {
  return !notWalkable.has(type);
}

/** Every entry of a map, walked with MAP_GET_NEXT_KEY + MAP_LOOKUP_ELEM (bpftool map dump's way). */
export function* rawEntries(backend: KernelBackend, fd: FdArg, shape: MapShape): Generator<RawEntry> {
  let previous: Uint8Array | null = null;
  for (;;) {
    const key = new Uint8Array(shape.keySize);
    if (!backend.mapGetNextKey(fd, previous, key)) return;
    previous = key;
    const values = lookupRaw(backend, fd, shape, key);
    // a key deleted between the two calls is skipped, as bpftool does
    if (values) yield { key, values };
  }
}

/** One key's value(s): split per CPU for per-CPU maps (each padded to 8 bytes by the kernel). */
export function lookupRaw(
  backend: KernelBackend,
  fd: FdArg,
  shape: MapShape,
  key: Uint8Array,
): Uint8Array[] | undefined {
  const perCpu = isPerCpuMapType(shape.type);
  const stride = perCpu ? Math.ceil(shape.valueSize / 8) * 8 : shape.valueSize;
  const cpus = perCpu ? backend.possibleCpus() : 1;
  const value = new Uint8Array(stride * cpus);
  if (!backend.mapLookup(fd, key, value)) return undefined;
  return Array.from({ length: cpus }, (_, cpu) =>
    value.subarray(cpu * stride, cpu * stride + shape.valueSize),
  );
}

export function showKey(key: Uint8Array, types: MapTypes | undefined): ShownValue {
  return types?.keyTypeId ? { btf: decodeValue(types.btf, types.keyTypeId, key) } : { hex: hexBytes(key) };
}

/** The value of an entry; per-CPU numbers summed, as bpftrace prints per-CPU counters. */
export function showEntry(entry: RawEntry, types: MapTypes | undefined): ShownEntry {
  const key = showKey(entry.key, types);
  const decoded: ShownValue[] = entry.values.map((v) =>
    types?.valueTypeId ? { btf: decodeValue(types.btf, types.valueTypeId, v) } : { hex: hexBytes(v) },
  );
  if (decoded.length === 1) return { key, value: decoded[0]! };
  const numbers = decoded.map((v) => ('btf' in v ? v.btf : undefined));
  if (numbers.every((n) => typeof n === 'number')) {
    return { key, value: { btf: (numbers as number[]).reduce((a, b) => a + b, 0) } };
  }
  if (numbers.every((n) => typeof n === 'bigint')) {
    return { key, value: { btf: (numbers as bigint[]).reduce((a, b) => a + b, 0n) } };
  }
  return { key, value: { btf: decoded.map(asBtfValue) } };
}

/** A ShownValue as a BtfValue (hex stays a string) so lists of them can be printed together. */
function asBtfValue(value: ShownValue): BtfValue {
  return 'btf' in value ? value.btf : value.hex;
}

export function shownText(value: ShownValue): string {
  return 'btf' in value ? valueText(value.btf, true) : value.hex;
}

export function shownJson(value: ShownValue): unknown {
  return 'btf' in value ? jsonValue(value.btf) : value.hex;
}

/** True when every byte of every CPU's value is zero (an array slot nobody wrote). */
export function isZeroEntry(entry: RawEntry): boolean {
  return entry.values.every((v) => v.every((b) => b === 0));
}

export interface MapDump {
  name: string;
  type: string;
  entries: ShownEntry[];
}

export function renderDumpText(dump: MapDump): string {
  const lines = [`${dump.name} (${dump.type}):`];
  for (const entry of dump.entries) lines.push(`  ${shownText(entry.key)} -> ${shownText(entry.value)}`);
  if (dump.entries.length === 0) lines.push('  (empty)');
  return lines.join('\n');
}

export function dumpJson(dump: MapDump): unknown {
  return {
    name: dump.name,
    type: dump.type,
    entries: dump.entries.map((e) => ({ key: shownJson(e.key), value: shownJson(e.value) })),
  };
}
