/** Median of a list of numbers (the middle of the sorted list, mean of the two middles). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Times `iterations` calls of `op`, returns ns per call. */
export function timePerOp(iterations, op) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) op();
  return Number(process.hrtime.bigint() - start) / iterations;
}
