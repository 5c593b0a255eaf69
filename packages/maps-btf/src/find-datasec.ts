import type { Btf } from '@bpfkit/btf';

/** BTF_KIND_DATASEC */
const KIND_DATASEC = 15;

/**
 * The id of the DATASEC called `name` (the first one, as findByName orders them), or undefined. An object has a handful of
 * DATASECs, so a scan of kind words with in-place name comparison beats building the BTF's name
 * index (a hash of every name) on each open, which is what findByName would do.
 */
export function findDatasec(btf: Btf, name: string): number | undefined {
  // base types first, as findByName orders them
  const inBase = btf.base?.findByName(name, 'DATASEC')[0];
  if (inBase !== undefined) return inBase;
  for (const id of btf.ownIdsOfKind(KIND_DATASEC)) {
    if (btf.nameEquals(btf.nameOffsetOf(id), name)) return id;
  }
  return undefined;
}
