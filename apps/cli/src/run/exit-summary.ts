import { type BtfValue, decodeValue, parseBtf } from '@bpfkit/btf';
import { MapType, mapTypeName } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';
import { globalVariables, type LiveMap, type LoadedObject, specBtf } from '@bpfkit/loader';
import type { Io } from '../io.js';
import {
  canWalk,
  dumpJson,
  isZeroEntry,
  type MapDump,
  type MapTypes,
  rawEntries,
  renderDumpText,
  showEntry,
} from '../values/map-contents.js';
import { jsonValue, valueText } from '../values/value-text.js';

export interface RunSummary {
  maps: MapDump[];
  /** .data and .bss variables by name, and the .kconfig externs as the program read them */
  variables: Record<string, BtfValue>;
}

const arrayTypes: ReadonlySet<number> = new Set([MapType.ARRAY, MapType.PERCPU_ARRAY]);

/**
 * What `bpfkit run` prints at exit, as bpftrace prints its maps: every map that holds entries
 * (array slots that are all zero left out, since an array always "has" every index), decoded
 * from BTF where the map has key/value types, and the .data/.bss variables.
 */
export function exitSummary(loaded: LoadedObject, backend: KernelBackend, io: Io): RunSummary {
  const btf = specBtf(loaded.spec);
  const maps: MapDump[] = [];
  for (const map of loaded.maps.values()) {
    const { spec } = map;
    if (spec.kind === 'data' || !canWalk(spec.type)) continue;
    const types: MapTypes | undefined =
      btf && (spec.btfKeyTypeId || spec.btfValueTypeId)
        ? { btf, keyTypeId: spec.btfKeyTypeId ?? 0, valueTypeId: spec.btfValueTypeId ?? 0 }
        : undefined;
    try {
      const entries = [...rawEntries(backend, map.fd, spec)]
        .filter((e) => !(arrayTypes.has(spec.type) && isZeroEntry(e)))
        .map((e) => showEntry(e, types));
      if (entries.length > 0) maps.push({ name: map.name, type: mapTypeName(spec.type), entries });
    } catch (error) {
      io.err(`bpfkit: cannot read map ${map.name}: ${(error as Error).message}`);
    }
  }
  const variables: Record<string, BtfValue> = {};
  for (const variable of globalVariables(loaded.spec)) {
    if (/^\.(data|bss)(\.|$)/.test(variable.map))
      variables[variable.name] = loaded.readVariable(variable.name);
  }
  const kconfig = [...loaded.maps.values()].find((m) => m.spec.source.format === 'kconfig');
  if (kconfig) Object.assign(variables, kconfigValues(kconfig, backend, io));
  return { maps, variables };
}

/**
 * The .kconfig externs from the live map. The object's own BTF leaves every extern at offset 0
 * (clang cannot place them); the loader lays the DATASEC out and loads that BTF with the map, so
 * the values are decoded with the BTF the kernel holds for the map, not the spec's.
 */
function kconfigValues(map: LiveMap, backend: KernelBackend, io: Io): Record<string, BtfValue> {
  try {
    const info = map.info();
    const value = map.lookup(new Uint8Array(4));
    if (!info.btfId || !info.btfValueTypeId || !value) return {};
    const btf = parseBtf(backend.btfBytes(info.btfId));
    const decoded = decodeValue(btf, info.btfValueTypeId, value);
    return decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded)
      ? (decoded as Record<string, BtfValue>)
      : {};
  } catch (error) {
    io.err(`bpfkit: cannot read .kconfig: ${(error as Error).message}`);
    return {};
  }
}

export function renderSummaryText(summary: RunSummary): string {
  const blocks = summary.maps.map(renderDumpText);
  const names = Object.keys(summary.variables);
  if (names.length > 0) {
    blocks.push(
      ['variables:', ...names.map((n) => `  ${n} = ${valueText(summary.variables[n]!, true)}`)].join('\n'),
    );
  }
  return blocks.join('\n');
}

/** One JSON line, `{"summary": {...}}`, so it stands apart from the event lines before it. */
export function summaryJson(summary: RunSummary): string {
  return JSON.stringify({
    summary: {
      maps: summary.maps.map(dumpJson),
      variables: jsonValue(summary.variables),
    },
  });
}
