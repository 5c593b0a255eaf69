/**
 * The part of every generated module that does not depend on the object: typed views over
 * LiveMap that encode keys and values with the object's BTF. Kept as text because it is emitted
 * into the generated file, which then depends only on the `bpfkit` package.
 */
export const RUNTIME_TEMPLATE = `
/** Encodes and decodes one C type between its bytes and its TypeScript shape. */
export interface Codec<T> {
  readonly size: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

let parsedBtf: Btf | undefined;
export function objectBtf(): Btf {
  parsedBtf ??= parseBtf(Buffer.from(BTF_BASE64, 'base64'));
  return parsedBtf;
}

export function btfCodec<T>(typeId: number, size: number): Codec<T> {
  return {
    size,
    encode(value) {
      const bytes = new Uint8Array(size);
      encodeValue(objectBtf(), typeId, value as unknown as BtfValue, bytes);
      return bytes;
    },
    decode(bytes) {
      return decodeValue(objectBtf(), typeId, bytes) as unknown as T;
    },
  };
}

/** A map whose key and value have BTF types: lookups and updates in TypeScript shapes. */
export class TypedMap<K, V> {
  constructor(
    readonly live: LiveMap,
    readonly key: Codec<K>,
    readonly value: Codec<V>,
  ) {}

  lookup(key: K): V | undefined {
    const bytes = this.live.lookup(this.key.encode(key));
    return bytes === undefined ? undefined : this.value.decode(bytes);
  }

  update(key: K, value: V, flags?: number): void {
    this.live.update(this.key.encode(key), this.value.encode(value), flags);
  }

  delete(key: K): boolean {
    return this.live.delete(this.key.encode(key));
  }

  *keys(): Generator<K> {
    for (const key of this.live.keys()) yield this.key.decode(key);
  }

  *entries(): Generator<[K, V]> {
    for (const [key, value] of this.live.entries()) yield [this.key.decode(key), this.value.decode(value)];
  }
}

/** A per-CPU map: one value per possible CPU. update() with one value writes it on every CPU. */
export class TypedPerCpuMap<K, V> {
  constructor(
    readonly live: LiveMap,
    readonly key: Codec<K>,
    readonly value: Codec<V>,
  ) {}

  lookup(key: K): V[] | undefined {
    const bytes = this.live.lookup(this.key.encode(key));
    return bytes === undefined ? undefined : this.live.splitPerCpu(bytes).map((b) => this.value.decode(b));
  }

  /** Writes one value per possible CPU (as many as lookup() returns). */
  update(key: K, values: readonly V[], flags?: number): void {
    const stride = Math.ceil(this.live.spec.valueSize / 8) * 8;
    const all = new Uint8Array(this.live.valueBytes);
    if (values.length * stride !== all.length) {
      throw new RangeError(\`\${this.live.name}: \${values.length} values for \${all.length / stride} CPUs\`);
    }
    values.forEach((value, cpu) => all.set(this.value.encode(value), cpu * stride));
    this.live.update(this.key.encode(key), all, flags);
  }

  /** Writes the same value on every CPU. */
  fill(key: K, value: V, flags?: number): void {
    const stride = Math.ceil(this.live.spec.valueSize / 8) * 8;
    this.update(key, Array.from({ length: this.live.valueBytes / stride }, () => value), flags);
  }

  delete(key: K): boolean {
    return this.live.delete(this.key.encode(key));
  }

  *entries(): Generator<[K, V[]]> {
    for (const [key, value] of this.live.entries()) {
      yield [this.key.decode(key), this.live.splitPerCpu(value).map((b) => this.value.decode(b))];
    }
  }
}
`;
