import type { Btf } from '@bpfkit/btf';

/**
 * A type's natural alignment in bytes, as libbpf's btf__align_of computes it: scalars by their
 * size (at most 8), arrays by their element, structs and unions by their widest member.
 */
export function alignOf(btf: Btf, typeId: number): number {
  const type = btf.typeById(btf.skipModsAndTypedefs(typeId));
  switch (type.kind) {
    case 'ARRAY':
      return alignOf(btf, type.type);
    case 'STRUCT':
    case 'UNION':
      return type.members.reduce((widest, member) => Math.max(widest, alignOf(btf, member.type)), 1);
    case 'PTR':
      return 8;
    default:
      return 'size' in type ? Math.max(1, Math.min(8, type.size)) : 1;
  }
}
