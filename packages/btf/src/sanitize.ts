import type { Btf } from './btf.js';
import { BtfBuilder } from './builder.js';
import type { BtfTypeDef } from './types.js';

/** What the running kernel's BTF loader accepts; probing is the kernel backend's job. */
export interface BtfFeatures {
  /** FUNC and FUNC_PROTO (4.20) */
  btfFunc: boolean;
  /** FUNC with global linkage (5.6) */
  funcGlobal: boolean;
  /** VAR and DATASEC (5.2) */
  datasec: boolean;
  /**
   * DATASEC names of any printable characters, like libbpf's '?.struct_ops' or BCC's 'maps/array'
   * (Debian's 6.1 allows only identifier characters and '.')
   */
  qmarkDatasec: boolean;
  /** FLOAT (5.13) */
  float: boolean;
  /** DECL_TAG (5.16) */
  declTag: boolean;
  /** TYPE_TAG (5.17) */
  typeTag: boolean;
  /** ENUM64 and the signed-enum kind_flag (6.0) */
  enum64: boolean;
}

/** What an older kernel's btf_name_valid_section refuses: anything but [A-Za-z0-9_.] */
const NOT_SECTION_NAME_CHAR = /[^A-Za-z0-9_.]/;
const NOT_SECTION_NAME_CHAR_ALL = /[^A-Za-z0-9_.]/g;

/**
 * Rewrites BTF for a kernel that lacks some kinds, as libbpf's bpf_object__sanitize_btf does:
 * VAR and DECL_TAG become a 1-byte INT, DATASEC an equally-sized STRUCT of its variables (with
 * '.' and '?' in its name turned into '_'), a DATASEC name's characters the kernel refuses ('?',
 * '/', ...) become '_' (libbpf only rewrites a leading '?'; BCC section names need more), FUNC_PROTO an ENUM
 * and FUNC a TYPEDEF (no func support), a global FUNC static, FLOAT an anonymous empty STRUCT
 * of its size, TYPE_TAG a CONST, ENUM loses its signed flag and ENUM64 becomes a UNION of
 * 1-byte INTs. Type ids stay the same, so map and program BTF ids need no change. Absent
 * features count as supported. Returns `btf` itself when nothing needs rewriting.
 */
export function sanitizeBtf(btf: Btf, features: Partial<BtfFeatures>): Btf {
  const has = (feature: keyof BtfFeatures) => features[feature] !== false;
  // the usual case on a current kernel: nothing to rewrite, so no types are decoded (this runs on
  // every load)
  if (!Object.values(features).includes(false)) return btf;
  const builder = BtfBuilder.from(btf);
  let changed = false;
  let enum64Placeholder = 0;
  const rewrite = (id: number, type: BtfTypeDef) => {
    builder.replace(id, type);
    changed = true;
  };
  const count = builder.typeCount;
  for (let id = 1; id <= count; id++) {
    const type = builder.type(id);
    if ((!has('datasec') && type.kind === 'VAR') || (!has('declTag') && type.kind === 'DECL_TAG')) {
      // size 1: a larger INT could outgrow the variable it replaces and fail kernel validation
      rewrite(id, {
        kind: 'INT',
        name: type.name,
        size: 1,
        signed: false,
        char: false,
        bool: false,
        bitOffset: 0,
        bits: 8,
      });
    } else if (!has('datasec') && type.kind === 'DATASEC') {
      rewrite(id, {
        kind: 'STRUCT',
        name: type.name.replace(/[.?]/g, '_'),
        size: type.size,
        bitfieldOffsets: false,
        members: type.vars.map((info) => ({
          name: btf.typeName(info.type),
          type: info.type,
          bitOffset: info.offset * 8,
          bitfieldSize: 0,
        })),
      });
    } else if (!has('qmarkDatasec') && type.kind === 'DATASEC' && NOT_SECTION_NAME_CHAR.test(type.name)) {
      rewrite(id, { ...type, name: type.name.replace(NOT_SECTION_NAME_CHAR_ALL, '_') });
    } else if (!has('btfFunc') && type.kind === 'FUNC_PROTO') {
      rewrite(id, {
        kind: 'ENUM',
        name: type.name,
        size: 4,
        signed: false,
        values: type.params.map((param) => ({ name: param.name, value: param.type })),
      });
    } else if (!has('btfFunc') && type.kind === 'FUNC') {
      rewrite(id, { kind: 'TYPEDEF', name: type.name, type: type.type });
    } else if (!has('funcGlobal') && type.kind === 'FUNC') {
      if (type.linkage !== 'static') rewrite(id, { ...type, linkage: 'static' });
    } else if (!has('float') && type.kind === 'FLOAT') {
      // anonymous: C compilers do not accept "float" as a struct name
      rewrite(id, { kind: 'STRUCT', name: '', size: type.size, bitfieldOffsets: false, members: [] });
    } else if (!has('typeTag') && type.kind === 'TYPE_TAG') {
      rewrite(id, { kind: 'CONST', name: '', type: type.type });
    } else if (!has('enum64') && type.kind === 'ENUM') {
      if (type.signed) rewrite(id, { ...type, signed: false });
    } else if (!has('enum64') && type.kind === 'ENUM64') {
      if (enum64Placeholder === 0) enum64Placeholder = builder.addInt('enum64_placeholder', 1);
      rewrite(id, {
        kind: 'UNION',
        name: type.name,
        size: type.size,
        bitfieldOffsets: false,
        members: type.values.map((value) => ({
          name: value.name,
          type: enum64Placeholder,
          bitOffset: 0,
          bitfieldSize: 0,
        })),
      });
    }
  }
  return changed ? builder.build() : btf;
}
