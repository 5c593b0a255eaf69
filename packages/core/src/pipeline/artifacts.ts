/**
 * Typed slots where open-time stages leave what later stages need (parsed BTF, symbol maps),
 * without core knowing those types: a package exports an ArtifactKey<T> for what it produces.
 */
export interface ArtifactKey<T> {
  readonly description: string;
  /** phantom field that carries T; never set */
  readonly __type?: T;
}

export function artifactKey<T>(description: string): ArtifactKey<T> {
  return { description };
}

export class Artifacts {
  readonly #values = new Map<ArtifactKey<unknown>, unknown>();

  set<T>(key: ArtifactKey<T>, value: T): void {
    this.#values.set(key, value);
  }

  get<T>(key: ArtifactKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  has(key: ArtifactKey<unknown>): boolean {
    return this.#values.has(key);
  }
}
