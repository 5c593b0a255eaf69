import { CoreReloKind } from '@bpfkit/btf';

/** enum bpf_core_relo_kind by value: 0 → 'FIELD_BYTE_OFFSET' ... 12 → 'TYPE_MATCHES'. */
const KIND_NAMES = Object.fromEntries(
  Object.entries(CoreReloKind).map(([name, value]) => [value, name]),
) as Record<number, keyof typeof CoreReloKind>;

/** The CoreReloKind key of a kind number ('FIELD_BYTE_OFFSET'), or "kind N" for an unknown one. */
export function coreReloKindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** The six FIELD_* kinds: an access string walks members and array elements. */
export function isFieldBased(kind: number): boolean {
  return kind >= CoreReloKind.FIELD_BYTE_OFFSET && kind <= CoreReloKind.FIELD_RSHIFT_U64;
}

/** TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, TYPE_MATCHES: about the root type only. */
export function isTypeBased(kind: number): boolean {
  return (
    (kind >= CoreReloKind.TYPE_ID_LOCAL && kind <= CoreReloKind.TYPE_SIZE) ||
    kind === CoreReloKind.TYPE_MATCHES
  );
}

/** ENUMVAL_EXISTS, ENUMVAL_VALUE: the access string is one enumerator index. */
export function isEnumValueBased(kind: number): boolean {
  return kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.ENUMVAL_VALUE;
}
