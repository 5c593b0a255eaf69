// The bpfkit side of the object rows, timed the way harness/object_ops.c times libbpf.

/**
 * One sample: `meanMs(path)` (the mean ms of one operation on that object) averaged over the
 * objects, so each object weighs the same however long it takes.
 */
export async function meanPerObject(paths, meanMs) {
  let sum = 0;
  for (const path of paths) sum += await meanMs(path);
  return sum / paths.length;
}
