import { BtfError, UsageError } from '@bpfkit/core';
import type { Btf } from './btf.js';
import { MAX_RESOLVE_DEPTH } from './constants.js';
import { chainTooDeep } from './resolve.js';
import type { BtfInt, BtfMember, BtfType } from './types.js';

/**
 * Decoded types for the value codecs, kept per Btf: ring-buffer decoding walks the same few
 * structs for every record, and decoding a struct's members each time would dominate.
 */
const typeCaches = new WeakMap<Btf, Map<number, BtfType>>();

export function cachedType(btf: Btf, id: number): BtfType {
  let cache = typeCaches.get(btf);
  if (!cache) {
    cache = new Map();
    typeCaches.set(btf, cache);
  }
  let type = cache.get(id);
  if (!type) {
    type = btf.typeById(id);
    cache.set(id, type);
  }
  return type;
}

/** Follows typedefs, qualifiers and tags to the type that gives a value its shape. */
export function valueType(btf: Btf, id: number): BtfType | undefined {
  let current = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    if (current === 0) return undefined;
    const type = cachedType(btf, current);
    switch (type.kind) {
      case 'TYPEDEF':
      case 'CONST':
      case 'VOLATILE':
      case 'RESTRICT':
      case 'TYPE_TAG':
      case 'VAR':
        current = type.type;
        continue;
      default:
        return type;
    }
  }
  throw chainTooDeep(id, current);
}

/** char[N] (an element that is a 1-byte INT named char or flagged CHAR) reads as a string. */
export function isCharElement(btf: Btf, elementId: number): boolean {
  const element = valueType(btf, elementId);
  return (
    element?.kind === 'INT' &&
    element.size === 1 &&
    !element.bool &&
    (element.char || element.name === 'char')
  );
}

/** A member plus where it starts, with anonymous struct/union members flattened into their parent. */
export interface FlatMember {
  member: BtfMember;
  /** bit offset from the start of the outer struct */
  bitOffset: number;
}

export function flattenMembers(btf: Btf, members: BtfMember[], base = 0, depth = 0): FlatMember[] {
  if (depth > MAX_RESOLVE_DEPTH) throw chainTooDeep(members[0]?.type ?? 0, members[0]?.type ?? 0);
  const flat: FlatMember[] = [];
  for (const member of members) {
    const bitOffset = base + member.bitOffset;
    if (member.name === '') {
      const inner = valueType(btf, member.type);
      if (inner?.kind === 'STRUCT' || inner?.kind === 'UNION') {
        flat.push(...flattenMembers(btf, inner.members, bitOffset, depth + 1));
      }
      continue;
    }
    flat.push({ member, bitOffset });
  }
  return flat;
}

/** Where in the bytes a bitfield lies: byte span and the shift that brings its bits down to bit 0. */
export function bitfieldSpan(
  bitPos: number,
  bits: number,
  le: boolean,
): { start: number; end: number; shift: bigint } {
  const start = Math.floor(bitPos / 8);
  const end = Math.ceil((bitPos + bits) / 8);
  // BTF counts bit offsets from the least significant bit on little-endian targets and from the
  // most significant bit on big-endian ones.
  const shift = le ? bitPos % 8 : (end - start) * 8 - (bitPos % 8) - bits;
  return { start, end, shift: BigInt(shift) };
}

export function readUnsigned(bytes: Uint8Array, start: number, end: number, le: boolean): bigint {
  let value = 0n;
  if (le) for (let i = end - 1; i >= start; i--) value = (value << 8n) | BigInt(bytes[i]!);
  else for (let i = start; i < end; i++) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

export function writeUnsigned(
  bytes: Uint8Array,
  start: number,
  end: number,
  le: boolean,
  value: bigint,
): void {
  let rest = value;
  if (le) {
    for (let i = start; i < end; i++, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
  } else {
    for (let i = end - 1; i >= start; i--, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
  }
}

/** INT sizes the codecs read directly (a DataView accessor or two 64-bit halves). */
export function checkIntSize(type: BtfInt): void {
  if (![1, 2, 4, 8, 16].includes(type.size)) {
    throw new BtfError(`INT of ${type.size} bytes`, { location: { typeId: type.id, field: 'size' } });
  }
}

export function needBytes(
  bytes: Uint8Array,
  offset: number,
  size: number,
  typeId: number,
  path: string,
): void {
  if (offset + size > bytes.length) {
    throw new UsageError(
      `${path || 'value'} needs bytes ${offset}..${offset + size}, only ${bytes.length} given`,
      {
        location: { typeId, field: path, byteOffset: offset },
      },
    );
  }
}

export function memberPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
