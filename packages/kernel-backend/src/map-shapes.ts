import { isPerCpuMapType, KernelError } from '@bpfkit/core';

/** What the hot path must know about a map to keep the kernel from writing past a JS buffer. */
export interface MapShape {
  name: string;
  type: number;
  keySize: number;
  /** bytes the kernel reads/writes per value: value_size, or round_up(value_size, 8) * CPUs */
  valueBytes: number;
  maxEntries: number;
}

export function mapShape(
  name: string,
  type: number,
  keySize: number,
  valueSize: number,
  maxEntries: number,
  possibleCpus: number,
): MapShape {
  const valueBytes = isPerCpuMapType(type) ? ((valueSize + 7) & ~7) * possibleCpus : valueSize;
  return { name, type, keySize, valueBytes, maxEntries };
}

/**
 * Shapes by fd number: set when this backend creates or opens a map, fetched once with
 * OBJ_GET_INFO_BY_FD for an fd it has not seen, dropped when an Fd it handed out closes.
 */
export class MapShapes {
  readonly #byFd = new Map<number, MapShape>();
  readonly #fetch: (fd: number) => MapShape;
  #lastFd = -1;
  #last: MapShape | undefined;

  constructor(fetch: (fd: number) => MapShape) {
    this.#fetch = fetch;
  }

  get(fd: number): MapShape {
    if (fd === this.#lastFd) return this.#last!;
    let shape = this.#byFd.get(fd);
    if (shape === undefined) {
      shape = this.#fetch(fd);
      this.#byFd.set(fd, shape);
    }
    this.#lastFd = fd;
    this.#last = shape;
    return shape;
  }

  set(fd: number, shape: MapShape): void {
    this.#byFd.set(fd, shape);
    if (fd === this.#lastFd) this.#last = shape;
  }

  forget(fd: number): void {
    this.#byFd.delete(fd);
    if (fd === this.#lastFd) {
      this.#lastFd = -1;
      this.#last = undefined;
    }
  }
}

/** Refuses a buffer shorter than the kernel will read or write through it. */
export function checkLength(
  syscall: string,
  shape: MapShape,
  field: 'key' | 'value' | 'nextKey',
  bytes: Uint8Array,
  needed: number,
): void {
  if (bytes.length < needed) {
    throw new KernelError(
      syscall,
      22 /* EINVAL */,
      `${syscall} on map ${shape.name}: ${field} buffer has ${bytes.length} bytes, the map needs ${needed}`,
      {
        location: { map: shape.name, field },
        ...(field === 'value'
          ? { hint: 'per-CPU maps need round_up(value_size, 8) * possible CPUs bytes' }
          : {}),
      },
    );
  }
}
