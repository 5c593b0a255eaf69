import { UsageError } from '@bpfkit/core';
import { addressOf } from './libc.js';

const TWO_32 = 0x1_0000_0000;

/**
 * A zeroed, never-moving block of memory for one union bpf_attr (or an info struct), with its
 * address computed once. Offsets come from include/uapi/linux/bpf.h; little-endian host (x86_64).
 */
export class AttrBuffer {
  readonly bytes: Uint8Array;
  readonly address: number;
  readonly #u32: Uint32Array;
  readonly #view: DataView;

  constructor(size: number) {
    // allocUnsafeSlow: outside Node's shared pool, so the address belongs to this buffer alone
    const buffer = Buffer.allocUnsafeSlow((size + 7) & ~7);
    buffer.fill(0);
    this.bytes = buffer;
    this.address = addressOf(buffer);
    this.#u32 = new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 2);
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  }

  get size(): number {
    return this.bytes.length;
  }

  clear(): this {
    this.bytes.fill(0);
    return this;
  }

  /** Refuses what a u32 cannot hold: the builders check named fields first, this catches the rest. */
  setU32(offset: number, value: number): void {
    if (value >>> 0 !== value) outOfRange(offset, value, 'u32');
    this.#u32[offset >>> 2] = value;
  }

  getU32(offset: number): number {
    return this.#u32[offset >>> 2]!;
  }

  /** a pointer or any u64 below 2^53, written as two u32 halves (no BigInt on the hot path) */
  setU64(offset: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) outOfRange(offset, value, 'u64');
    const index = offset >>> 2;
    this.#u32[index] = value >>> 0;
    this.#u32[index + 1] = Math.floor(value / TWO_32) >>> 0;
  }

  getU64(offset: number): number {
    const index = offset >>> 2;
    return this.#u32[index]! + this.#u32[index + 1]! * TWO_32;
  }

  setBigU64(offset: number, value: bigint): void {
    this.#view.setBigUint64(offset, value, true);
  }

  getBigU64(offset: number): bigint {
    return this.#view.getBigUint64(offset, true);
  }

  /** a NUL-terminated char[length] field (map_name, prog_name) */
  setName(offset: number, length: number, name: string): void {
    this.bytes.fill(0, offset, offset + length);
    const written = Buffer.from(this.bytes.buffer, this.bytes.byteOffset).write(
      name,
      offset,
      length - 1,
      'latin1',
    );
    this.bytes[offset + written] = 0;
  }

  getName(offset: number, length: number): string {
    const field = this.bytes.subarray(offset, offset + length);
    const end = field.indexOf(0);
    return Buffer.from(field.buffer, field.byteOffset, end < 0 ? length : end).toString('latin1');
  }
}

function outOfRange(offset: number, value: number, width: string): never {
  throw new UsageError(`attr field at byte ${offset}: ${value} does not fit a ${width}`, {
    location: { byteOffset: offset },
    hint: 'a size or id outside its field reached a bpf() attr unchecked: please report this',
  });
}

/**
 * Addresses of caller-owned buffers (keys, values), remembered per buffer: the last one used and a
 * WeakMap, because asking koffi for an address costs more than the syscall's own overhead. A
 * buffer's memory never moves once its address was taken; a detached buffer has length 0 and is
 * refused by the callers' size checks before its stale address could be used.
 */
export class AddressCache {
  #lastBytes: Uint8Array | undefined;
  #lastAddress = 0;
  readonly #addresses = new WeakMap<Uint8Array, number>();

  of(bytes: Uint8Array): number {
    if (bytes === this.#lastBytes) return this.#lastAddress;
    let address = this.#addresses.get(bytes);
    if (address === undefined) {
      address = bytes.byteLength === 0 ? 0 : addressOf(bytes);
      this.#addresses.set(bytes, address);
    }
    this.#lastBytes = bytes;
    this.#lastAddress = address;
    return address;
  }
}
