import { isPerCpuMapType, type MapSpec, UpdateFlag } from '@bpfkit/core';
import type { Fd, KernelBackend, MapInfo } from '@bpfkit/kernel-backend';

/**
 * A map that exists in the kernel. Keys and values are raw bytes; per-CPU maps read and write
 * one value per possible CPU, each padded to 8 bytes, as the kernel lays them out.
 */
export class LiveMap {
  readonly name: string;
  readonly spec: MapSpec;
  readonly fd: Fd;
  /** bytes of one full value as the syscalls see it (all CPUs for per-CPU maps) */
  readonly valueBytes: number;
  readonly #backend: KernelBackend;
  /** true when the map was taken from an existing pin rather than created */
  readonly reused: boolean;

  constructor(spec: MapSpec, fd: Fd, backend: KernelBackend, reused = false) {
    this.name = spec.name;
    this.spec = spec;
    this.fd = fd;
    this.reused = reused;
    this.#backend = backend;
    this.valueBytes = isPerCpuMapType(spec.type)
      ? Math.ceil(spec.valueSize / 8) * 8 * backend.possibleCpus()
      : spec.valueSize;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const value = new Uint8Array(this.valueBytes);
    return this.#backend.mapLookup(this.fd, key, value) ? value : undefined;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.#backend.mapUpdate(this.fd, key, value, flags);
  }

  delete(key: Uint8Array): boolean {
    return this.#backend.mapDelete(this.fd, key);
  }

  *keys(): Generator<Uint8Array> {
    let previous: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(this.spec.keySize);
      if (!this.#backend.mapGetNextKey(this.fd, previous, next)) return;
      yield next;
      previous = next;
    }
  }

  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value) yield [key, value];
    }
  }

  /** Per-CPU values split into one Uint8Array of valueSize bytes per CPU. */
  splitPerCpu(value: Uint8Array): Uint8Array[] {
    const stride = Math.ceil(this.spec.valueSize / 8) * 8;
    const out: Uint8Array[] = [];
    for (let at = 0; at + this.spec.valueSize <= value.length; at += stride) {
      out.push(value.subarray(at, at + this.spec.valueSize));
    }
    return out;
  }

  info(): MapInfo {
    return this.#backend.mapInfo(this.fd);
  }

  pin(path: string): void {
    this.#backend.pin(this.fd, path);
  }

  close(): void {
    this.fd.close();
  }
}
