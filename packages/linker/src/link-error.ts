import { type BpfkitErrorOptions, UsageError } from '@bpfkit/core';

/**
 * Two objects disagree about a global symbol: two strong definitions, or declarations whose BTF
 * types do not match (libbpf's linker refuses the same). Names the symbol and both objects.
 */
export class SymbolConflictError extends UsageError {
  override name = 'SymbolConflictError';
  readonly symbol: string;
  /** the object that declared the symbol first, then the one that disagrees */
  readonly objects: readonly [string, string];

  constructor(
    symbol: string,
    objects: readonly [string, string],
    message: string,
    options: BpfkitErrorOptions = {},
  ) {
    super(message, { ...options, location: { symbol, object: objects[1], ...options.location } });
    this.symbol = symbol;
    this.objects = objects;
  }
}
