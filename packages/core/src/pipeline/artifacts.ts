/**
 * Typed slots where open-time stages leave what later stages need (parsed BTF, symbol maps),
 * without core knowing those types: a package exports an ArtifactKey<T> for what it produces.
 */
export interface ArtifactKey<T> {
  readonly description: string;
  /** phantom field that carries T; never set */
  readonly __type?: T;
}

/** A key artifactKey made: its place in every Artifacts' array of values. */
interface SlottedKey<T = unknown> extends ArtifactKey<T> {
  readonly slot: number;
}

let nextSlot = 0;

export function artifactKey<T>(description: string): ArtifactKey<T> {
  const key: SlottedKey<T> = { description, slot: nextSlot++ };
  return key;
}

/**
 * The values of one open, by key. A key made by artifactKey indexes an array: an open asks about
 * eighteen times, and a Map's hashing made that a quarter of a microsecond of it. A key written
 * as a plain object works too, through a Map made for it.
 */
export class Artifacts {
  readonly #values: unknown[] = [];
  #unslotted: Map<ArtifactKey<unknown>, unknown> | undefined;

  set<T>(key: ArtifactKey<T>, value: T): void {
    const slot = (key as Partial<SlottedKey>).slot;
    if (slot !== undefined) {
      this.#values[slot] = value;
      return;
    }
    this.#unslotted ??= new Map();
    this.#unslotted.set(key, value);
  }

  get<T>(key: ArtifactKey<T>): T | undefined {
    const slot = (key as Partial<SlottedKey>).slot;
    return (slot !== undefined ? this.#values[slot] : this.#unslotted?.get(key)) as T | undefined;
  }

  has(key: ArtifactKey<unknown>): boolean {
    const slot = (key as Partial<SlottedKey>).slot;
    return slot !== undefined ? slot in this.#values : this.#unslotted?.has(key) === true;
  }
}
