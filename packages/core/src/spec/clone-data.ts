import { UsageError } from '../errors.js';
import { pooledCopy } from './pooled-copy.js';

/**
 * A deep copy of plain spec data (objects, arrays, Maps, Sets, typed arrays, primitives), as
 * structuredClone makes one, except that a typed array's copy holds its own bytes only, in a pooled
 * range (pooledCopy) when it is small. structuredClone copies a view's whole ArrayBuffer: a spec
 * opened from a path holds views of the 256 KiB slab its file was read into and of 64 KiB pooled
 * slabs, so copying one function with it copied 320 KiB (58 µs for a function of six
 * instructions). A value met twice is copied once, as structuredClone does; a function or a
 * symbol is a UsageError (structuredClone's DataCloneError).
 */
export function cloneSpecData<T>(value: T): T {
  return copyOf(value, new Map()) as T;
}

function copyOf(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new UsageError(`spec data holds a ${typeof value}, which cannot be copied`, {
        hint: 'specs are plain data: objects, arrays, Maps, typed arrays, strings, numbers, bigints',
      });
    }
    return value;
  }
  const known = copies.get(value);
  if (known !== undefined) return known;
  let copy: unknown;
  if (ArrayBuffer.isView(value)) {
    copy = copyOfView(value);
    copies.set(value, copy);
  } else if (value instanceof ArrayBuffer) {
    copy = value.slice(0);
    copies.set(value, copy);
  } else if (Array.isArray(value)) {
    const array: unknown[] = new Array(value.length);
    copies.set(value, array);
    for (let i = 0; i < value.length; i++) array[i] = copyOf(value[i], copies);
    copy = array;
  } else if (value instanceof Map) {
    const map = new Map();
    copies.set(value, map);
    for (const [key, entry] of value) map.set(copyOf(key, copies), copyOf(entry, copies));
    copy = map;
  } else if (value instanceof Date || value instanceof RegExp || value instanceof Error) {
    // no spec holds these; structuredClone knows how to copy them
    copy = structuredClone(value);
    copies.set(value, copy);
  } else if (value instanceof Set) {
    const set = new Set();
    copies.set(value, set);
    for (const entry of value) set.add(copyOf(entry, copies));
    copy = set;
  } else {
    // own enumerable properties into a plain object, as structuredClone copies an object
    const object: Record<string, unknown> = {};
    copies.set(value, object);
    for (const key of Object.keys(value))
      object[key] = copyOf((value as Record<string, unknown>)[key], copies);
    copy = object;
  }
  return copy;
}

/** A typed array or DataView of the same kind over a copy of its bytes alone. */
function copyOfView(view: ArrayBufferView): ArrayBufferView {
  // a pooled range for a small view: a new ArrayBuffer costs more than copying kilobytes
  const bytes = pooledCopy(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (view instanceof DataView) return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // a Node Buffer too becomes a plain Uint8Array, as structuredClone makes it
  if (view instanceof Uint8Array) return bytes;
  const kind = view.constructor as new (
    buffer: ArrayBufferLike,
    offset: number,
    length: number,
  ) => ArrayBufferView;
  const elementSize = (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new kind(bytes.buffer, bytes.byteOffset, view.byteLength / elementSize);
}
