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

/**
 * Runs `sideA` and `sideB` (each answering one sample) in `pairs` pairs, each side first in every
 * other pair, so that neither always runs on what the other left behind. Answers each side's
 * median and in how many pairs B's sample was the lower.
 */
export function alternatedPairs(pairs, sideA, sideB) {
  const a = [];
  const b = [];
  let bLower = 0;
  for (let i = 0; i < pairs; i++) {
    let x;
    let y;
    if (i % 2 === 0) {
      x = sideA();
      y = sideB();
    } else {
      y = sideB();
      x = sideA();
    }
    a.push(x);
    b.push(y);
    if (y < x) bLower++;
  }
  return { a: median(a), b: median(b), bLower };
}
