import { type Btf, type BtfValue, decodeValue, encodeValue } from '@bpfkit/btf';
import { isPerCpuMapType, NotFoundError, UpdateFlag, UsageError } from '@bpfkit/core';
import { specBtf } from '../variables.js';
import type { LiveMap } from './live-map.js';
import type { LoadedObject } from './loaded-object.js';

/** Where a map's key and value types are: the BTF and the two type ids (0: none). */
interface MapTypes {
  btf: Btf;
  keyTypeId: number;
  valueTypeId: number;
}

/**
 * A view of a live map that takes and returns JS values, encoded and decoded with the map's BTF
 * key and value types (the same shapes as `decodeValue`: numbers, bigints for 64-bit integers,
 * strings for char arrays, objects for structs). The byte API of the LiveMap underneath stays
 * there for hot paths. K and V default to BtfValue; `bpfkit gen types` knows the exact types.
 */
export class TypedMap<K extends BtfValue = BtfValue, V extends BtfValue = BtfValue> {
  readonly #types: MapTypes;

  constructor(
    readonly live: LiveMap,
    types: MapTypes,
  ) {
    if (isPerCpuMapType(live.spec.type)) {
      throw new UsageError(`map ${live.name} is per-CPU: use TypedPerCpuMap`, {
        location: { map: live.name },
      });
    }
    this.#types = types;
  }

  get(key: K): V | undefined {
    const bytes = this.live.lookup(encodeKey(this.live, this.#types, key));
    return bytes === undefined
      ? undefined
      : (decodeValue(this.#types.btf, this.#types.valueTypeId, bytes) as V);
  }

  set(key: K, value: V, flags: number = UpdateFlag.ANY): void {
    this.live.update(encodeKey(this.live, this.#types, key), encodeOne(this.live, this.#types, value), flags);
  }

  delete(key: K): boolean {
    return this.live.delete(encodeKey(this.live, this.#types, key));
  }

  *keys(): Generator<K> {
    for (const key of this.live.keys()) yield decodeKey(this.#types, key) as K;
  }

  *entries(): Generator<[K, V]> {
    for (const [key, value] of this.live.entries()) {
      yield [
        decodeKey(this.#types, key) as K,
        decodeValue(this.#types.btf, this.#types.valueTypeId, value) as V,
      ];
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }
}

/** A per-CPU map's typed view: one value per possible CPU. */
export class TypedPerCpuMap<K extends BtfValue = BtfValue, V extends BtfValue = BtfValue> {
  readonly #types: MapTypes;

  constructor(
    readonly live: LiveMap,
    types: MapTypes,
  ) {
    if (!isPerCpuMapType(live.spec.type)) {
      throw new UsageError(`map ${live.name} is not per-CPU: use TypedMap`, { location: { map: live.name } });
    }
    this.#types = types;
  }

  /** the value on every possible CPU, in CPU order */
  get(key: K): V[] | undefined {
    const bytes = this.live.lookup(encodeKey(this.live, this.#types, key));
    return bytes === undefined ? undefined : this.#decodeAll(bytes);
  }

  /** the same value on every CPU */
  set(key: K, value: V, flags: number = UpdateFlag.ANY): void {
    this.setPerCpu(
      key,
      this.live.splitPerCpu(new Uint8Array(this.live.valueBytes)).map(() => value),
      flags,
    );
  }

  /** one value per possible CPU, in CPU order */
  setPerCpu(key: K, values: readonly V[], flags: number = UpdateFlag.ANY): void {
    const all = new Uint8Array(this.live.valueBytes);
    const slots = this.live.splitPerCpu(all);
    if (values.length !== slots.length) {
      throw new UsageError(
        `map ${this.live.name} takes ${slots.length} per-CPU values, not ${values.length}`,
        {
          location: { map: this.live.name },
        },
      );
    }
    for (const [cpu, slot] of slots.entries()) {
      encodeValue(this.#types.btf, this.#types.valueTypeId, values[cpu]!, slot);
    }
    this.live.update(encodeKey(this.live, this.#types, key), all, flags);
  }

  delete(key: K): boolean {
    return this.live.delete(encodeKey(this.live, this.#types, key));
  }

  *keys(): Generator<K> {
    for (const key of this.live.keys()) yield decodeKey(this.#types, key) as K;
  }

  *entries(): Generator<[K, V[]]> {
    for (const [key, value] of this.live.entries())
      yield [decodeKey(this.#types, key) as K, this.#decodeAll(value)];
  }

  [Symbol.iterator](): Generator<[K, V[]]> {
    return this.entries();
  }

  #decodeAll(bytes: Uint8Array): V[] {
    return this.live
      .splitPerCpu(bytes)
      .map((slot) => decodeValue(this.#types.btf, this.#types.valueTypeId, slot) as V);
  }
}

/**
 * The typed view of one map of a loaded object, its key and value types from the object's BTF:
 * a TypedPerCpuMap for per-CPU maps, else a TypedMap. Throws for maps without BTF key and value
 * types (legacy definitions, `__uint(key_size, ...)`), which only the byte API can read.
 */
export function typedMap<K extends BtfValue = BtfValue, V extends BtfValue = BtfValue>(
  loaded: LoadedObject,
  name: string,
): TypedMap<K, V> | TypedPerCpuMap<K, V> {
  const live = loaded.maps.get(name);
  if (!live) {
    throw new NotFoundError(`no loaded map named ${name}`, {
      hint: `maps: ${[...loaded.maps.keys()].join(', ')}`,
    });
  }
  const btf = specBtf(loaded.spec);
  const { btfKeyTypeId, btfValueTypeId } = live.spec;
  if (!btf || !btfKeyTypeId || !btfValueTypeId) {
    throw new UsageError(`map ${name} has no BTF key and value types`, {
      location: { object: loaded.spec.name, map: name },
      hint: `read it with the byte API (loaded.map('${name}').lookup(bytes)), or declare the map with __type(key, ...) and __type(value, ...)`,
    });
  }
  const types = { btf, keyTypeId: btfKeyTypeId, valueTypeId: btfValueTypeId };
  return isPerCpuMapType(live.spec.type)
    ? new TypedPerCpuMap<K, V>(live, types)
    : new TypedMap<K, V>(live, types);
}

function encodeKey(live: LiveMap, types: MapTypes, key: BtfValue): Uint8Array {
  const bytes = new Uint8Array(live.spec.keySize);
  encodeValue(types.btf, types.keyTypeId, key, bytes);
  return bytes;
}

function decodeKey(types: MapTypes, bytes: Uint8Array): BtfValue {
  return decodeValue(types.btf, types.keyTypeId, bytes);
}

function encodeOne(live: LiveMap, types: MapTypes, value: BtfValue): Uint8Array {
  const bytes = new Uint8Array(live.valueBytes);
  encodeValue(types.btf, types.valueTypeId, value, bytes);
  return bytes;
}
