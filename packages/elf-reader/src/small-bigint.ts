/**
 * Shared bigint values for the small numbers that most ELF u64 fields hold (offsets and sizes
 * inside an object, flags, alignments, symbol values): a bigint is immutable, so one instance per
 * value serves every header and symbol, and reading a table allocates none. Filled on demand.
 */
// preallocated, so the array keeps fast (not dictionary) elements however it fills
const SMALL_LIMIT = 1 << 14;
const small: (bigint | undefined)[] = new Array(SMALL_LIMIT);

/** The u64 whose 32-bit halves are `lo` and `hi`, as a bigint. */
export function u64FromHalves(lo: number, hi: number): bigint {
  if (hi === 0 && lo < SMALL_LIMIT) {
    let shared = small[lo];
    if (shared === undefined) {
      shared = BigInt(lo);
      small[lo] = shared;
    }
    return shared;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The u64 at byte `at` of `view`, read as two u32 halves (no bigint allocated for small values). */
export function u64At(view: DataView, at: number, little: boolean): bigint {
  const lo = view.getUint32(little ? at : at + 4, little);
  const hi = view.getUint32(little ? at + 4 : at, little);
  return u64FromHalves(lo, hi);
}
