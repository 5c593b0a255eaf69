import { type Btf, type BtfValue, encodeValue, parseBtf } from '@bpfkit/btf';
import { isPerCpuMapType, mapTypeName, NotFoundError, UpdateFlag, UsageError } from '@bpfkit/core';
import type { Fd, KernelBackend, MapInfo } from '@bpfkit/kernel-backend';
import type { CommandInput, CommandRun } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { loaderFor } from '../loader-factory.js';
import { parseSetValue } from '../run/assignments.js';
import {
  canWalk,
  dumpJson,
  lookupRaw,
  type MapDump,
  type MapTypes,
  rawEntries,
  renderDumpText,
  showEntry,
  shownJson,
  shownText,
} from '../values/map-contents.js';

export type MapAction = 'dump' | 'lookup' | 'update';

export interface MapCommandOptions {
  action: MapAction;
  /** a map id, or the path of a pin on a bpffs */
  target: string;
  key?: string;
  value?: string;
  json: boolean;
}

/** A map opened by id or pin, with the BTF of its key and value when the kernel has it. */
interface OpenedMap {
  fd: Fd;
  info: MapInfo;
  types: MapTypes | undefined;
}

const ARGUMENTS: Record<MapAction, string[]> = { dump: [], lookup: ['KEY'], update: ['KEY', 'VALUE'] };

/** `bpfkit map dump|lookup|update <id|pin> ...` */
export function mapCli(action: MapAction): CommandRun {
  return async ({ values, positionals, io, makeLoader }: CommandInput) => {
    const [target, key, value, ...extra] = positionals;
    const wanted = ARGUMENTS[action];
    if (target === undefined || positionals.length - 1 !== wanted.length || extra.length > 0) {
      throw new UsageError(
        `map ${action} takes a map id or pin path${wanted.length ? ` and ${wanted.join(' ')}` : ''}`,
        {
          hint: `bpfkit map ${action} --help`,
        },
      );
    }
    mapCommand(
      loaderFor(false, makeLoader).backend,
      {
        action,
        target,
        ...(key === undefined ? {} : { key }),
        ...(value === undefined ? {} : { value }),
        json: Boolean(values.json),
      },
      io,
    );
    return ExitCode.OK;
  };
}

/**
 * `bpfkit map dump|lookup|update`: reads and writes a map that lives in the kernel, decoding
 * keys and values with the BTF the map was created with (fetched from the kernel by id).
 */
export function mapCommand(backend: KernelBackend, options: MapCommandOptions, io: Io): void {
  const map = openMap(backend, options.target, io);
  try {
    const shape = map.info;
    switch (options.action) {
      case 'dump': {
        if (!canWalk(map.info.type)) {
          throw new UsageError(`a ${mapTypeName(map.info.type)} map has no entries to dump`);
        }
        const dump: MapDump = {
          name: map.info.name,
          type: mapTypeName(map.info.type),
          entries: [...rawEntries(backend, map.fd, shape)].map((e) => showEntry(e, map.types)),
        };
        io.out(options.json ? JSON.stringify(dumpJson(dump)) : renderDumpText(dump));
        return;
      }
      case 'lookup': {
        const key = argument(options.key, 'KEY', map.info.keySize, map.types, 'key');
        const values = lookupRaw(backend, map.fd, shape, key);
        if (!values) {
          throw new NotFoundError(`map ${map.info.name} (id ${map.info.id}) has no key ${options.key}`);
        }
        const entry = showEntry({ key, values }, map.types);
        io.out(
          options.json
            ? JSON.stringify({ key: shownJson(entry.key), value: shownJson(entry.value) })
            : `${shownText(entry.key)} -> ${shownText(entry.value)}`,
        );
        return;
      }
      case 'update': {
        const key = argument(options.key, 'KEY', map.info.keySize, map.types, 'key');
        const one = argument(options.value, 'VALUE', map.info.valueSize, map.types, 'value');
        backend.mapUpdate(map.fd, key, perCpuCopies(backend, map.info, one), UpdateFlag.ANY);
        io.out(options.json ? JSON.stringify({ updated: true }) : `updated map ${map.info.name}`);
        return;
      }
    }
  } finally {
    map.fd.close();
  }
}

function openMap(backend: KernelBackend, target: string, io: Io): OpenedMap {
  const fd = /^\d+$/.test(target) ? backend.mapFdById(Number(target)) : backend.getPinned(target);
  try {
    const info = backend.mapInfo(fd);
    let types: MapTypes | undefined;
    if (info.btfId && (info.btfKeyTypeId || info.btfValueTypeId)) {
      try {
        const btf: Btf = parseBtf(backend.btfBytes(info.btfId));
        types = { btf, keyTypeId: info.btfKeyTypeId, valueTypeId: info.btfValueTypeId };
      } catch (error) {
        io.err(`bpfkit: map ${info.name}: cannot read its BTF (${(error as Error).message}); showing hex`);
      }
    }
    return { fd, info, types };
  } catch (error) {
    fd.close();
    throw error;
  }
}

const HEX_BYTES = /^[0-9a-fA-F]{2}(\s+[0-9a-fA-F]{2})*$/;

/**
 * A KEY or VALUE argument: hex bytes ("01 00 00 00", exactly the map's size) always work; with
 * BTF, a number or JSON (as for --set) is encoded by the map's key or value type.
 */
function argument(
  text: string | undefined,
  what: string,
  size: number,
  types: MapTypes | undefined,
  which: 'key' | 'value',
): Uint8Array {
  if (text === undefined) throw new UsageError(`missing ${what}`, { hint: 'bpfkit map lookup <id|pin> KEY' });
  const typeId = which === 'key' ? types?.keyTypeId : types?.valueTypeId;
  const hex = text.trim().split(/\s+/);
  if (HEX_BYTES.test(text.trim()) && hex.length === size && (size > 1 || !typeId)) {
    return Uint8Array.from(hex, (b) => Number.parseInt(b, 16));
  }
  if (!types || !typeId) {
    throw new UsageError(`${what} must be ${size} hex bytes (the map has no BTF ${which} type)`, {
      hint: `e.g. "${Array.from({ length: size }, () => '00').join(' ')}"`,
    });
  }
  const bytes = new Uint8Array(size);
  const value: BtfValue = parseSetValue(text);
  encodeValue(types.btf, typeId, value, bytes);
  return bytes;
}

/** Per-CPU maps take one value per possible CPU (8-byte aligned): the same value on every CPU. */
function perCpuCopies(backend: KernelBackend, info: MapInfo, value: Uint8Array): Uint8Array {
  if (!isPerCpuMapType(info.type)) return value;
  const stride = Math.ceil(info.valueSize / 8) * 8;
  const cpus = backend.possibleCpus();
  const all = new Uint8Array(stride * cpus);
  for (let cpu = 0; cpu < cpus; cpu++) all.set(value, cpu * stride);
  return all;
}
