import { BtfError } from '@bpfkit/core';
import { BtfKindNumber as K, KIND_NAMES } from './constants.js';

/** Where a type section lies; turns word indices back into byte offsets for error locations. */
export interface TypeSectionPlace {
  /** absolute byte offset of the type section */
  typeStart: number;
  firstId: number;
  /** total string table length (base included): every name offset must be below it */
  stringsLength: number;
  /** also check name offsets, linkage and referenced ids (otherwise only kinds and record bounds) */
  validate: boolean;
}

/**
 * The words a record of each kind takes, the 3-word btf_type included, packed as
 * `fixed | perVlen << 4`: (layout & 0xf) + (layout >>> 4) * vlen. Zero marks an unknown kind.
 * One table load per type rather than a switch: the indexing loop stays one straight path, so V8
 * has seen every operation after the first type and does not deoptimize when a kind first turns
 * up deep into vmlinux (FUNC after 45,000 types); and a first parse, which runs mostly before V8
 * has optimized anything, pays per load.
 */
export const RECORD_LAYOUT = new Uint8Array(32);
for (const kind of Object.values(K)) if (kind !== K.UNKN) RECORD_LAYOUT[kind] = 3;
RECORD_LAYOUT[K.INT] = 4; // the INT encoding word
RECORD_LAYOUT[K.VAR] = 4; // btf_var (linkage)
RECORD_LAYOUT[K.DECL_TAG] = 4; // btf_decl_tag (component_idx)
RECORD_LAYOUT[K.ARRAY] = 6; // btf_array
for (const kind of [K.STRUCT, K.UNION, K.DATASEC, K.ENUM64]) RECORD_LAYOUT[kind] = 3 | (3 << 4);
for (const kind of [K.ENUM, K.FUNC_PROTO]) RECORD_LAYOUT[kind] = 3 | (2 << 4);

/** The words a record of RECORD_LAYOUT entry `layout` with `vlen` entries takes, its btf_type included. */
export function layoutWords(layout: number, vlen: number): number {
  return (layout & 0xf) + (layout >>> 4) * vlen;
}

/** The words the record at `pos` takes, its btf_type included (the record was checked by the parse). */
export function recordWords(words: Uint32Array, pos: number): number {
  const info = words[pos + 1]!;
  return layoutWords(RECORD_LAYOUT[(info >>> 24) & 0x1f]!, info & 0xffff);
}

/** Throws a BtfError located at word `word` of the type at `index` in this section (id less firstId). */
export function failAt(
  place: TypeSectionPlace,
  index: number,
  word: number,
  field: string,
  message: string,
  hint?: string,
): never {
  const location = { typeId: place.firstId + index, byteOffset: place.typeStart + word * 4, field };
  throw new BtfError(message, hint === undefined ? { location } : { location, hint });
}

export function failTruncated(place: TypeSectionPlace, index: number, pos: number): never {
  const message = `type section ends inside type ${place.firstId + index}`;
  failAt(place, index, pos, 'btf_type', message);
}

export function failKind(place: TypeSectionPlace, index: number, pos: number, kind: number): never {
  const hint = 'the object may come from a newer compiler than this reader knows';
  failAt(place, index, pos + 1, 'info.kind', `unknown BTF kind ${kind}`, hint);
}

export function failVlen(place: TypeSectionPlace, index: number, pos: number, info: number): never {
  const message = `${KIND_NAMES[(info >>> 24) & 0x1f]} with vlen ${info & 0xffff} runs past the type section`;
  failAt(place, index, pos + 1, 'info.vlen', message);
}
