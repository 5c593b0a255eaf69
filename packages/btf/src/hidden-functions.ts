import { pooledCopy } from '@bpfkit/core';
import { type Btf, repatchedBtf } from './btf.js';
import { BtfKindNumber } from './constants.js';

/** BTF_FUNC_STATIC (btf_func_linkage) */
const BTF_FUNC_STATIC = 0;

/**
 * libbpf's mark_btf_static (bpf_object__sanitize_and_load_btf): a global subprogram whose ELF
 * symbol is STV_HIDDEN or STV_INTERNAL (`__hidden`) gets static linkage in BTF, so the verifier
 * checks it in its caller's context instead of on its own (usdt.bpf.h's bpf_usdt_arg writes
 * through a pointer only its caller can vouch for). As libbpf, only the first global FUNC of each
 * name changes. Returns a new Btf, or `btf` itself when no FUNC changes; the input is unchanged.
 */
export function makeHiddenFunctionsStatic(btf: Btf, hiddenFunctions: ReadonlySet<string>): Btf {
  if (hiddenFunctions.size === 0) return btf;
  const pending = new Set(hiddenFunctions);
  const changed: number[] = [];
  for (let id = btf.firstTypeId; id <= btf.typeCount && pending.size > 0; id++) {
    if (btf.kindNumberOf(id) !== BtfKindNumber.FUNC) continue;
    const name = btf.typeName(id);
    if (!pending.has(name)) continue;
    const type = btf.typeById(id);
    if (type.kind !== 'FUNC' || type.linkage !== 'global') continue;
    changed.push(id);
    pending.delete(name);
  }
  if (changed.length === 0) return btf;
  // A FUNC's linkage is the vlen (low 16 bits) of its info word: patch a copy of the bytes.
  const bytes = pooledCopy(btf.bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = btf.byteOrder === 'little';
  for (const id of changed) {
    const at = btf.recordOffset(id) + 4;
    const info = view.getUint32(at, little);
    view.setUint32(at, ((info & 0xffff0000) | BTF_FUNC_STATIC) >>> 0, little);
  }
  return repatchedBtf(btf, bytes);
}
