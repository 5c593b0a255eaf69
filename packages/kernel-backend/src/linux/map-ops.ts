import type { BatchResult } from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { Errno } from '../errno.js';
import { checkLength, type MapShape, type MapShapes } from '../map-shapes.js';
import { AddressCache, AttrBuffer } from './attr-buffer.js';
import { type Libc, libc, SYS_BPF } from './libc.js';
import type { BpfSyscall } from './syscall.js';

// The BPF_MAP_*_ELEM struct of union bpf_attr: map_fd, key, value/next_key, flags.
const ELEM_SIZE = 32;
const ELEM_FD = 0;
const ELEM_KEY = 8;
const ELEM_VALUE = 16;
const ELEM_FLAGS = 24;

// The `batch` struct of union bpf_attr.
const BATCH_SIZE = 56;
const BATCH_IN = 0;
const BATCH_OUT = 8;
const BATCH_KEYS = 16;
const BATCH_VALUES = 24;
const BATCH_COUNT = 32;
const BATCH_FD = 36;
const BATCH_ELEM_FLAGS = 40;

const C = BpfCommand;

/**
 * Element and batch operations on maps: the hot path. One preallocated attr per shape of command,
 * cached buffer addresses, no allocation per call; ENOENT becomes `false` without an exception.
 */
export class MapOps {
  readonly #sys: BpfSyscall;
  readonly #shapes: MapShapes;
  readonly #elem = new AttrBuffer(ELEM_SIZE);
  readonly #batch = new AttrBuffer(BATCH_SIZE);
  readonly #addresses = new AddressCache();
  // a second cache so that key and value alternate without evicting each other's fast path
  readonly #valueAddresses = new AddressCache();
  readonly #bpf: Libc['bpf'];
  readonly #elemAddress: number;
  /** bpf(cmd) on the elem attr: the addon's bound call when it has one */
  readonly #elemBpf: (cmd: number) => number;
  // what the elem attr holds now: a repeated call on the same map and buffers rewrites nothing
  #elemFd = -1;
  #elemKey = -1;
  #elemValue = -1;
  #elemFlags = -1;

  constructor(sys: BpfSyscall, shapes: MapShapes) {
    this.#sys = sys;
    this.#shapes = shapes;
    const bound = libc();
    // A native bpf() is one call (a V8 fast call or Node-API); koffi's is the bare syscall plus errno().
    this.#bpf = bound.native
      ? bound.bpf
      : (cmd, address, size) => {
          const result = bound.syscall(SYS_BPF, cmd, address, size);
          return result < 0 ? -bound.errno() : result;
        };
    this.#elemAddress = this.#elem.address;
    const bpf = this.#bpf;
    const elemAddress = this.#elemAddress;
    this.#elemBpf =
      bound.native && bound.bindAttr
        ? bound.bindAttr(elemAddress, ELEM_SIZE)
        : (cmd) => bpf(cmd, elemAddress, ELEM_SIZE);
  }

  lookup(fd: number, key: Uint8Array, value: Uint8Array, flags: number): boolean {
    const shape = this.#shapes.get(fd);
    if (key.length < shape.keySize) checkLength('BPF_MAP_LOOKUP_ELEM', shape, 'key', key, shape.keySize);
    if (value.length < shape.valueBytes)
      checkLength('BPF_MAP_LOOKUP_ELEM', shape, 'value', value, shape.valueBytes);
    const result = this.#elemCall(C.MAP_LOOKUP_ELEM, fd, key, value, flags);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw this.#error(C.MAP_LOOKUP_ELEM, -result, shape);
  }

  update(fd: number, key: Uint8Array, value: Uint8Array, flags: number): void {
    const shape = this.#shapes.get(fd);
    if (key.length < shape.keySize) checkLength('BPF_MAP_UPDATE_ELEM', shape, 'key', key, shape.keySize);
    if (value.length < shape.valueBytes)
      checkLength('BPF_MAP_UPDATE_ELEM', shape, 'value', value, shape.valueBytes);
    const result = this.#elemCall(C.MAP_UPDATE_ELEM, fd, key, value, flags);
    if (result < 0) throw this.#error(C.MAP_UPDATE_ELEM, -result, shape);
  }

  delete(fd: number, key: Uint8Array): boolean {
    const shape = this.#shapes.get(fd);
    if (key.length < shape.keySize) checkLength('BPF_MAP_DELETE_ELEM', shape, 'key', key, shape.keySize);
    const result = this.#sys.raw(C.MAP_DELETE_ELEM, this.#elemAttr(fd, key, null, 0), ELEM_SIZE);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw this.#error(C.MAP_DELETE_ELEM, -result, shape);
  }

  nextKey(fd: number, key: Uint8Array | null, nextKey: Uint8Array): boolean {
    const shape = this.#shapes.get(fd);
    if (key !== null && key.length < shape.keySize) {
      checkLength('BPF_MAP_GET_NEXT_KEY', shape, 'key', key, shape.keySize);
    }
    checkLength('BPF_MAP_GET_NEXT_KEY', shape, 'nextKey', nextKey, shape.keySize);
    const result = this.#sys.raw(C.MAP_GET_NEXT_KEY, this.#elemAttr(fd, key, nextKey, 0), ELEM_SIZE);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw this.#error(C.MAP_GET_NEXT_KEY, -result, shape);
  }

  lookupAndDelete(fd: number, key: Uint8Array | null, value: Uint8Array, flags: number): boolean {
    const shape = this.#shapes.get(fd);
    if (key !== null) checkLength('BPF_MAP_LOOKUP_AND_DELETE_ELEM', shape, 'key', key, shape.keySize);
    checkLength('BPF_MAP_LOOKUP_AND_DELETE_ELEM', shape, 'value', value, shape.valueBytes);
    const attr = this.#elemAttr(fd, key, value, flags);
    const result = this.#sys.raw(C.MAP_LOOKUP_AND_DELETE_ELEM, attr, ELEM_SIZE);
    if (result >= 0) return true;
    if (result === -Errno.ENOENT) return false;
    throw this.#error(C.MAP_LOOKUP_AND_DELETE_ELEM, -result, shape);
  }

  freeze(fd: number): void {
    const shape = this.#shapes.get(fd);
    const result = this.#sys.raw(C.MAP_FREEZE, this.#elemAttr(fd, null, null, 0), 4);
    if (result < 0) throw this.#error(C.MAP_FREEZE, -result, shape);
  }

  lookupBatch(
    fd: number,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): BatchResult {
    const shape = this.#shapes.get(fd);
    const cmd = 'BPF_MAP_LOOKUP_BATCH';
    // the resume token is a key for arrays and a u32 bucket for hashes; the larger of the two is safe
    const tokenSize = Math.max(shape.keySize, 4);
    if (inBatch !== null) checkLength(cmd, shape, 'key', inBatch, tokenSize);
    checkLength(cmd, shape, 'key', outBatch, tokenSize);
    checkLength(cmd, shape, 'key', keys, shape.keySize * count);
    checkLength(cmd, shape, 'value', values, shape.valueBytes * count);
    const attr = this.#batchAttr(fd, keys, values, count, 0);
    attr.setU64(BATCH_IN, inBatch === null ? 0 : this.#addresses.of(inBatch));
    attr.setU64(BATCH_OUT, this.#valueAddresses.of(outBatch));
    const result = this.#sys.raw(C.MAP_LOOKUP_BATCH, attr, BATCH_SIZE);
    const done = result === -Errno.ENOENT;
    if (result < 0 && !done) throw this.#error(C.MAP_LOOKUP_BATCH, -result, shape, batchHint(-result));
    return { count: attr.getU32(BATCH_COUNT), done };
  }

  updateBatch(fd: number, keys: Uint8Array, values: Uint8Array, count: number, flags: number): number {
    const shape = this.#shapes.get(fd);
    checkLength('BPF_MAP_UPDATE_BATCH', shape, 'key', keys, shape.keySize * count);
    checkLength('BPF_MAP_UPDATE_BATCH', shape, 'value', values, shape.valueBytes * count);
    const attr = this.#batchAttr(fd, keys, values, count, flags);
    const result = this.#sys.raw(C.MAP_UPDATE_BATCH, attr, BATCH_SIZE);
    if (result < 0) {
      throw this.#error(
        C.MAP_UPDATE_BATCH,
        -result,
        shape,
        `${attr.getU32(BATCH_COUNT)} of ${count} written`,
      );
    }
    return attr.getU32(BATCH_COUNT);
  }

  deleteBatch(fd: number, keys: Uint8Array, count: number): number {
    const shape = this.#shapes.get(fd);
    checkLength('BPF_MAP_DELETE_BATCH', shape, 'key', keys, shape.keySize * count);
    const attr = this.#batchAttr(fd, keys, null, count, 0);
    const result = this.#sys.raw(C.MAP_DELETE_BATCH, attr, BATCH_SIZE);
    // the kernel stops at the first missing key; the count says how many went before it
    if (result < 0 && result !== -Errno.ENOENT) {
      throw this.#error(
        C.MAP_DELETE_BATCH,
        -result,
        shape,
        `${attr.getU32(BATCH_COUNT)} of ${count} deleted`,
      );
    }
    return attr.getU32(BATCH_COUNT);
  }

  /** The hot path: writes only the attr fields that changed, calls koffi directly; -errno on failure. */
  #elemCall(cmd: number, fd: number, key: Uint8Array, value: Uint8Array, flags: number): number {
    const attr = this.#elem;
    if (fd !== this.#elemFd) {
      attr.setU32(ELEM_FD, fd);
      this.#elemFd = fd;
    }
    const keyAddress = this.#addresses.of(key);
    if (keyAddress !== this.#elemKey) {
      attr.setU64(ELEM_KEY, keyAddress);
      this.#elemKey = keyAddress;
    }
    const valueAddress = this.#valueAddresses.of(value);
    if (valueAddress !== this.#elemValue) {
      attr.setU64(ELEM_VALUE, valueAddress);
      this.#elemValue = valueAddress;
    }
    if (flags !== this.#elemFlags) {
      attr.setU64(ELEM_FLAGS, flags);
      this.#elemFlags = flags;
    }
    return this.#elemBpf(cmd);
  }

  /** Fills the elem attr for a less travelled command (and forgets the hot path's cached fields). */
  #elemAttr(fd: number, key: Uint8Array | null, value: Uint8Array | null, flags: number): AttrBuffer {
    const attr = this.#elem;
    attr.setU32(ELEM_FD, fd);
    attr.setU64(ELEM_KEY, key === null ? 0 : this.#addresses.of(key));
    attr.setU64(ELEM_VALUE, value === null ? 0 : this.#valueAddresses.of(value));
    attr.setU64(ELEM_FLAGS, flags);
    this.#elemFd = this.#elemKey = this.#elemValue = this.#elemFlags = -1;
    return attr;
  }

  #batchAttr(
    fd: number,
    keys: Uint8Array,
    values: Uint8Array | null,
    count: number,
    flags: number,
  ): AttrBuffer {
    const attr = this.#batch.clear();
    attr.setU64(BATCH_KEYS, this.#addresses.of(keys));
    attr.setU64(BATCH_VALUES, values === null ? 0 : this.#valueAddresses.of(values));
    attr.setU32(BATCH_COUNT, count);
    attr.setU32(BATCH_FD, fd);
    attr.setU64(BATCH_ELEM_FLAGS, flags);
    return attr;
  }

  #error(cmd: number, errno: number, shape: MapShape, detail?: string): Error {
    const error = this.#sys.error(cmd, errno, {
      what: `map ${shape.name}`,
      location: { map: shape.name },
      maxEntries: shape.maxEntries,
    });
    if (detail) error.message += ` (${detail})`;
    return error;
  }
}

function batchHint(errno: number): string | undefined {
  return errno === Errno.ENOSPC
    ? 'a hash bucket holds more entries than count; retry with a larger count'
    : undefined;
}
