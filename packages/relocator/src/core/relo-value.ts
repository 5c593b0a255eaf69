import { CoreReloKind } from '@bpfkit/btf';
import { isCompositeId, memberBitfieldSize, memberType, rawMembers, typeOf } from './btf-types.js';
import { type CoreSpec, SpecError } from './core-spec.js';
import { isEnumValueBased, isFieldBased } from './relo-kind.js';

/** What one side (local or target) of a relocation computes to. */
interface SideValue {
  value: bigint;
  /** byte size of the accessed field, for adjusting load/store widths (0 when not a plain field) */
  size: number;
  /** type id of the accessed field (after typedefs), alongside `size` */
  fieldTypeId: number;
  /** whether the instruction's current value must equal the local value (libbpf's validate) */
  validate: boolean;
}

/** libbpf's struct bpf_core_relo_res: the old and new value of one relocation. */
export interface RelocationValue {
  original: bigint;
  updated: bigint;
  /** nothing to patch in: the instruction is poisoned */
  poison: boolean;
  /** check the instruction holds `original` before patching */
  validate: boolean;
  originalSize: number;
  updatedSize: number;
  /** the field's size changed in a way a wider/narrower load cannot mirror (signed ints, structs) */
  failMemorySizeAdjust: boolean;
}

/** Marks "no target": libbpf's -EUCLEAN, which poisons the instruction. */
const POISON = Symbol('poison');

/** libbpf's bpf_core_calc_field_relo for one side; undefined spec = the field was not found. */
function fieldValue(kind: number, spec: CoreSpec | undefined): SideValue | typeof POISON {
  if (kind === CoreReloKind.FIELD_EXISTS) {
    return { value: spec ? 1n : 0n, size: 0, fieldTypeId: 0, validate: true };
  }
  if (!spec) return POISON;
  const { btf } = spec;
  const last = spec.accessors[spec.accessors.length - 1]!;

  // The access ends on an array element (or the root itself): only offset and size make sense.
  if (last.name === undefined) {
    const size = btf.resolveSize(last.typeId);
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      return { value: BigInt(spec.bitOffset / 8), size, fieldTypeId: last.typeId, validate: true };
    }
    if (kind === CoreReloKind.FIELD_BYTE_SIZE)
      return { value: BigInt(size), size: 0, fieldTypeId: 0, validate: true };
    throw new SpecError('this relocation kind cannot be applied to an array element');
  }

  // the holder's member from its words: the target's holder is often task_struct
  const members = isCompositeId(btf, last.typeId) ? rawMembers(btf, last.typeId) : undefined;
  if (!members || last.index >= members.count) throw new SpecError(`member ${last.index} is missing`);
  const fieldId = btf.skipModsAndTypedefs(memberType(members, last.index));
  // decoded only when its sign or a bitfield's declared size is needed: it may be a struct
  const fieldType = () => (fieldId === 0 ? undefined : typeOf(btf, fieldId));
  const bitOffset = spec.bitOffset;
  let bitSize = memberBitfieldSize(members, last.index);
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOffset: number;
  if (bitfield) {
    // The smallest naturally aligned load, starting from the field's declared size, that
    // covers every bit of the bitfield.
    const declared = fieldType();
    byteSize = declared && 'size' in declared ? declared.size : 0;
    if (byteSize === 0) throw new SpecError('bitfield of a type without a size');
    byteOffset = Math.floor(bitOffset / 8 / byteSize) * byteSize;
    while (bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new SpecError('bitfield cannot be read with one 64-bit load');
      byteSize *= 2;
      byteOffset = Math.floor(bitOffset / 8 / byteSize) * byteSize;
    }
  } else {
    byteSize = btf.resolveSize(fieldId);
    byteOffset = Math.floor(bitOffset / 8);
    bitSize = byteSize * 8;
  }
  // For bitfields the compiler's choices may differ from ours: only sign and right shift are checked.
  const result: SideValue = { value: 0n, size: 0, fieldTypeId: 0, validate: !bitfield };
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      result.value = BigInt(byteOffset);
      if (!bitfield) {
        result.size = byteSize;
        result.fieldTypeId = fieldId;
      }
      break;
    case CoreReloKind.FIELD_BYTE_SIZE:
      result.value = BigInt(byteSize);
      break;
    case CoreReloKind.FIELD_SIGNED: {
      const t = fieldType();
      const signed = (t?.kind === 'ENUM' || t?.kind === 'ENUM64' || t?.kind === 'INT') && t.signed;
      result.value = signed ? 1n : 0n;
      result.validate = true;
      break;
    }
    case CoreReloKind.FIELD_LSHIFT_U64:
      // Shifts that bring the field to the top of a u64 loaded with `byteSize` bytes.
      result.value =
        btf.byteOrder === 'little'
          ? BigInt(64 - (bitOffset + bitSize - byteOffset * 8))
          : BigInt((8 - byteSize) * 8 + (bitOffset - byteOffset * 8));
      break;
    case CoreReloKind.FIELD_RSHIFT_U64:
      result.value = BigInt(64 - bitSize);
      result.validate = true;
      break;
    default:
      throw new SpecError(`relocation kind ${kind} is not a field kind`);
  }
  return result;
}

/** libbpf's bpf_core_calc_type_relo: type kinds answer 0 when the type is absent. */
function typeValue(kind: number, spec: CoreSpec | undefined): SideValue {
  const result: SideValue = { value: 0n, size: 0, fieldTypeId: 0, validate: true };
  if (!spec) return result;
  switch (kind) {
    case CoreReloKind.TYPE_ID_TARGET:
      // a type id in an instruction may legitimately change when objects are linked
      result.value = BigInt(spec.rootTypeId);
      result.validate = false;
      break;
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
      result.value = 1n;
      break;
    case CoreReloKind.TYPE_SIZE:
      result.value = BigInt(spec.btf.resolveSize(spec.rootTypeId));
      break;
    default:
      throw new SpecError(`relocation kind ${kind} is not a type kind`);
  }
  return result;
}

/** libbpf's bpf_core_calc_enumval_relo. */
function enumValue(kind: number, spec: CoreSpec | undefined): SideValue | typeof POISON {
  if (kind === CoreReloKind.ENUMVAL_EXISTS) {
    return { value: spec ? 1n : 0n, size: 0, fieldTypeId: 0, validate: true };
  }
  if (!spec) return POISON;
  const accessor = spec.accessors[0]!;
  const type = typeOf(spec.btf, accessor.typeId);
  if (type.kind === 'ENUM') {
    // struct btf_enum's val is an s32, which libbpf sign-extends whatever the enum's signedness
    return { value: BigInt(type.values[accessor.index]!.value | 0), size: 0, fieldTypeId: 0, validate: true };
  }
  if (type.kind === 'ENUM64') {
    return {
      value: BigInt.asUintN(64, type.values[accessor.index]!.value),
      size: 0,
      fieldTypeId: 0,
      validate: true,
    };
  }
  throw new SpecError(`enum value relocation on a ${type.kind}`);
}

function sideValue(kind: number, spec: CoreSpec | undefined): SideValue | typeof POISON {
  if (isFieldBased(kind)) return fieldValue(kind, spec);
  if (isEnumValueBased(kind)) return enumValue(kind, spec);
  return typeValue(kind, spec);
}

/** Whether a load of a field may change width: pointers, or unsigned ints on both sides. */
function widthAdjustable(
  local: CoreSpec,
  localFieldId: number,
  target: CoreSpec,
  targetFieldId: number,
): boolean {
  // kinds first: only two INTs need decoding (for their sign)
  const localKind = local.btf.kindOf(localFieldId);
  const targetKind = target.btf.kindOf(targetFieldId);
  if (localKind === 'PTR' && targetKind === 'PTR') return true;
  if (localKind !== 'INT' || targetKind !== 'INT') return false;
  const l = typeOf(local.btf, localFieldId);
  const t = typeOf(target.btf, targetFieldId);
  return l.kind === 'INT' && t.kind === 'INT' && !l.signed && !t.signed;
}

/**
 * libbpf's bpf_core_calc_relo: the local value (what the compiler wrote) and the target value
 * for one candidate, or for no candidate at all (`target` undefined), which existence kinds
 * answer with 0 and the others with a poisoned instruction.
 */
export function calculateRelocation(local: CoreSpec, target: CoreSpec | undefined): RelocationValue {
  const before = sideValue(local.kind, local);
  const after = sideValue(local.kind, target);
  if (before === POISON || after === POISON) {
    return {
      original: before === POISON ? 0n : before.value,
      updated: 0n,
      poison: true,
      validate: false,
      originalSize: 0,
      updatedSize: 0,
      failMemorySizeAdjust: false,
    };
  }
  const result: RelocationValue = {
    original: before.value,
    updated: after.value,
    poison: false,
    validate: before.validate,
    originalSize: before.size,
    updatedSize: after.size,
    failMemorySizeAdjust: false,
  };
  if (isFieldBased(local.kind) && before.size !== after.size && target) {
    result.failMemorySizeAdjust = !widthAdjustable(local, before.fieldTypeId, target, after.fieldTypeId);
  }
  return result;
}
