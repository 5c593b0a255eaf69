import type { DependencyContainer } from 'tsyringe';

/**
 * An injection token that carries the type of what is registered under it, so registering a
 * value of the wrong shape, or resolving into the wrong type, fails at compile time. tsyringe
 * sees only `symbol`; the type parameter lives in a phantom field.
 */
export interface Token<T> {
  readonly symbol: symbol;
  /** a short lowercase phrase: what the token stands for ('map collectors') */
  readonly description: string;
  /** phantom field that carries T; never set */
  readonly __type?: T;
}

/** A typed token; `Symbol.for` keeps it equal across two copies of the package that defines it. */
export function token<T>(description: string): Token<T> {
  return { symbol: Symbol.for(`bpfkit.${description}`), description };
}

/** Registers a value under a token in `container` only (a child container shadows its parent). */
export function registerValue<T>(container: DependencyContainer, key: Token<T>, value: T): void {
  container.register(key.symbol, { useValue: value });
}

/** Registers a factory, called once per container that resolves it (tsyringe's instanceCachingFactory). */
export function registerFactory<T>(
  container: DependencyContainer,
  key: Token<T>,
  factory: (container: DependencyContainer) => T,
): void {
  let made: { value: T } | undefined;
  container.register(key.symbol, {
    useFactory: (c) => {
      made ??= { value: factory(c) };
      return made.value;
    },
  });
}

/** The value registered under a token here or in a parent; throws when none is. */
export function resolveToken<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key.symbol);
}

/** The value under a token, or `fallback` when neither this container nor a parent has one. */
export function resolveTokenOr<T>(container: DependencyContainer, key: Token<T>, fallback: T): T {
  return container.isRegistered(key.symbol, true) ? container.resolve<T>(key.symbol) : fallback;
}
