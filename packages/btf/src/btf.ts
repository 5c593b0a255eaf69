import { BtfError, bufferView, NotFoundError, UsageError } from '@bpfkit/core';
import { type BtfKind, BtfKindNumber, KIND_NAMES } from './constants.js';
import { decodeType, type RawTypeSource } from './decode-type.js';
import { formatType } from './format-type.js';
import { type BtfHeader, type ByteOrder, parseBtfHeader } from './header.js';
import { findMember, type MemberLocation, members } from './members.js';
import { NameIndex } from './name-index.js';
import { resolveSize, skipModsAndTypedefs } from './resolve.js';
import { readCString } from './strings.js';
import { indexTypes, type TypeIndex } from './type-index.js';
import { recordWords } from './type-records.js';
import { typeWords } from './type-words.js';
import type { BtfMember, BtfType } from './types.js';

export interface ParseBtfOptions {
  /**
   * Base BTF for split BTF (a kernel module's BTF on top of vmlinux): type ids continue after the
   * base's last id, and string offsets after the base's string table.
   */
  base?: Btf;
  /**
   * Check every name offset and referenced type id while parsing (default true). Without it only
   * kinds and record bounds are checked up front, and references when a type is decoded: what
   * loadKernelBtf uses for the kernel's own BTF, which the kernel validated when it built it.
   */
  validate?: boolean;
}

/**
 * Parsed BTF. Keeps the raw bytes and an index of where each type starts; a type becomes an
 * object only when asked for (typeById), names are decoded from the string table on demand, and
 * the name index is built on the first findByName. The bytes must not be modified afterwards.
 */
export class Btf implements RawTypeSource {
  readonly bytes: Uint8Array;
  readonly header: BtfHeader;
  readonly byteOrder: ByteOrder;
  readonly base: Btf | undefined;
  /** id of this BTF's first own type: 1, or the base's typeCount + 1 for split BTF */
  readonly firstTypeId: number;
  /** the highest type id (base types included); void (0) is not counted */
  readonly typeCount: number;
  /** this BTF's string offsets start here (the base's string table length for split BTF) */
  readonly stringsBase: number;
  /** the type section as 32-bit words in host byte order @internal */
  readonly words: Uint32Array;
  /** where each own type starts (type-index.ts) */
  readonly #index: TypeIndex;
  readonly #strings: Uint8Array;
  /** a kept view of the buffer #strings lie in, from byte #stringBase, for readCString's word reads */
  readonly #stringView: DataView;
  readonly #stringBase: number;
  #names: NameIndex | undefined;
  /**
   * ownIdsOfKind's answers, kept: an open asks for the DATASECs once per data section and again
   * for the fixups and `.maps`, each a walk of every record. Shared with a repatched Btf, whose
   * kinds are the same (patches change field values, never a record's kind).
   */
  readonly #idsOfKind: Map<number, readonly number[]>;
  /** resolveSize's answers (resolve.ts), made on its first ask */
  #sizes: Map<number, number> | undefined;

  /**
   * Use parseBtf. `sameLayout` is internal: a Btf whose records `bytes` repeats with only field
   * values patched (DATASEC fixup, FUNC linkage), so its type index is reused, not rebuilt.
   */
  constructor(bytes: Uint8Array, options: ParseBtfOptions = {}, sameLayout?: Btf) {
    this.bytes = bytes;
    this.base = options.base;
    this.firstTypeId = this.base ? this.base.typeCount + 1 : 1;
    this.stringsBase = this.base ? this.base.stringsLength : 0;
    if (sameLayout !== undefined) {
      // the header and strings are those already checked, byte for byte: only type records changed
      this.header = sameLayout.header;
      this.#strings = sameLayout.#strings;
      this.#stringView = sameLayout.#stringView;
      this.#stringBase = sameLayout.#stringBase;
      this.#idsOfKind = sameLayout.#idsOfKind;
    } else {
      this.#idsOfKind = new Map();
      this.header = parseBtfHeader(bytes);
      const { strStart, strLen } = this.header;
      this.#strings = bytes.subarray(strStart, strStart + strLen);
      this.#stringView = bufferView(this.#strings.buffer);
      this.#stringBase = this.#strings.byteOffset;
      checkStringTable(this.#strings, strStart, this.base === undefined);
    }
    this.byteOrder = this.header.byteOrder;
    const { typeStart, typeLen } = this.header;
    if (typeLen % 4 !== 0) {
      throw new BtfError(`type section length ${typeLen} is not a multiple of 4`, {
        location: { byteOffset: 12, field: 'type_len' },
      });
    }
    this.words = typeWords(bytes, typeStart, typeLen, this.byteOrder);
    this.#index =
      sameLayout !== undefined
        ? sameLayout.#index
        : indexTypes(this.words, {
            typeStart,
            firstId: this.firstTypeId,
            stringsLength: this.stringsLength,
            validate: options.validate ?? true,
          });
    this.typeCount = this.firstTypeId - 1 + this.#index.count;
  }

  /** Word index of this BTF's own type number `k` (its id less firstTypeId). */
  #start(k: number): number {
    return this.#index.start(k);
  }

  /** Byte offset of type `id`'s record inside `bytes` (for in-place patches such as DATASEC fixup). @internal */
  recordOffset(id: number): number {
    this.#checkId(id);
    if (id < this.firstTypeId) throw new UsageError(`type ${id} belongs to the base BTF`);
    return this.header.typeStart + this.#start(id - this.firstTypeId) * 4;
  }

  /** Length of the string tables, base included: every valid name offset is below it. */
  get stringsLength(): number {
    return this.stringsBase + this.#strings.length;
  }

  /** This BTF's own string section bytes (without the base's). */
  get stringBytes(): Uint8Array {
    return this.#strings;
  }

  /** The string at a name offset (base strings included for split BTF). */
  name(offset: number): string {
    if (offset < this.stringsBase) return this.base!.name(offset);
    const local = offset - this.stringsBase;
    if (local >= this.#strings.length) {
      throw new BtfError(`string offset ${offset} is past the string table`, {
        location: { byteOffset: this.header.strStart + local, field: 'name_off' },
      });
    }
    return readCString(this.#strings, this.#stringView, local, this.#stringBase);
  }

  #checkId(id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > this.typeCount) {
      throw new NotFoundError(
        id === 0 ? 'type 0 is void and has no description' : `no BTF type with id ${id}`,
        {
          location: { typeId: id },
          hint: `valid ids are 1..${this.typeCount}`,
        },
      );
    }
  }

  /** Decodes one type. Each call returns a fresh object the caller may keep or modify. */
  typeById(id: number): BtfType {
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.typeById(id);
    return decodeType(this, id, this.#start(id - this.firstTypeId));
  }

  /** The kind of a type without decoding it; 'VOID' for id 0. */
  kindOf(id: number): BtfKind | 'VOID' {
    if (id === 0) return 'VOID';
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.kindOf(id);
    const info = this.words[this.#start(id - this.firstTypeId) + 1]!;
    return KIND_NAMES[(info >>> 24) & 0x1f]!;
  }

  /** The name of a type ('' for anonymous types and void) without decoding the rest. */
  typeName(id: number): string {
    if (id === 0) return '';
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.typeName(id);
    return this.name(this.words[this.#start(id - this.firstTypeId)]!);
  }

  /**
   * The Btf (this one or a base) whose `words` hold type `id`'s record: with typeWordIndex, the hot
   * paths (CO-RE, size resolution) read a type's fields without decoding it. @internal
   */
  typeHolder(id: number): Btf {
    this.#checkId(id);
    return id < this.firstTypeId ? this.base!.typeHolder(id) : this;
  }

  /** Word index of type `id`'s btf_type in typeHolder(id).words. @internal */
  typeWordIndex(id: number): number {
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.typeWordIndex(id);
    return this.#start(id - this.firstTypeId);
  }

  /** BTF_KIND_* number of a type straight from its info word; 0 for void. @internal */
  kindNumberOf(id: number): number {
    if (id === 0) return 0;
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.kindNumberOf(id);
    return (this.words[this.#start(id - this.firstTypeId) + 1]! >>> 24) & 0x1f;
  }

  /**
   * Calls `visit` with each own type's id and the word index of its btf_type in `words`, in id
   * order: one walk over the records, which a pass over every type needs rather than the index
   * (whose groups it would fill, one lookup a type). @internal
   */
  forEachOwnType(visit: (id: number, at: number) => void): void {
    const words = this.words;
    const count = this.#index.count;
    for (let k = 0, pos = 0; k < count; k++, pos += recordWords(words, pos)) visit(this.firstTypeId + k, pos);
  }

  /**
   * Sizes resolveSize found, by type id: kept on the Btf rather than in a WeakMap keyed by it, as
   * every open makes a Btf and a WeakMap entry costs the collector ephemeron work. @internal
   */
  resolvedSizes(): Map<number, number> {
    this.#sizes ??= new Map();
    return this.#sizes;
  }

  /** Ids of this BTF's own types of one BTF_KIND_* number, in id order (one walk, kept). @internal */
  ownIdsOfKind(kind: number): readonly number[] {
    const kept = this.#idsOfKind.get(kind);
    if (kept !== undefined) return kept;
    const ids: number[] = [];
    const datasecs = this.#index.datasecs;
    if (kind === BtfKindNumber.DATASEC && datasecs !== undefined) {
      for (const k of datasecs) ids.push(this.firstTypeId + k);
      this.#idsOfKind.set(kind, ids);
      return ids;
    }
    const words = this.words;
    this.forEachOwnType((id, at) => {
      if (((words[at + 1]! >>> 24) & 0x1f) === kind) ids.push(id);
    });
    this.#idsOfKind.set(kind, ids);
    return ids;
  }

  /**
   * The third btf_type word: the size of INT/ENUM/STRUCT/UNION/FLOAT/DATASEC, the referenced type
   * of PTR/TYPEDEF/modifiers/FUNC/VAR/DECL_TAG, the return type of FUNC_PROTO. Read raw: a caller
   * using it as a type id must check it against typeCount. @internal
   */
  sizeOrTypeOf(id: number): number {
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.sizeOrTypeOf(id);
    return this.words[this.#start(id - this.firstTypeId) + 2]!;
  }

  /** vlen (member, value or parameter count) of a type straight from its info word. @internal */
  vlenOf(id: number): number {
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.vlenOf(id);
    return this.words[this.#start(id - this.firstTypeId) + 1]! & 0xffff;
  }

  /** name_off of a type (0 for void and anonymous types). @internal */
  nameOffsetOf(id: number): number {
    if (id === 0) return 0;
    this.#checkId(id);
    if (id < this.firstTypeId) return this.base!.nameOffsetOf(id);
    return this.words[this.#start(id - this.firstTypeId)]!;
  }

  /**
   * Whether the string at a name offset is exactly `text`, compared in place without decoding it
   * (member lookup by name over ~250 task_struct members). @internal
   */
  nameEquals(offset: number, text: string): boolean {
    if (offset < this.stringsBase) return this.base!.nameEquals(offset, text);
    const local = offset - this.stringsBase;
    const strings = this.#strings;
    const length = text.length;
    if (local + length >= strings.length) return this.name(offset) === text;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      // non-ASCII text is UTF-8 in the table: compare decoded strings instead
      if (c >= 0x80) return this.name(offset) === text;
      if (strings[local + i] !== c) return false;
    }
    return strings[local + length] === 0;
  }

  /**
   * How the string at a name offset compares with non-empty `text`: 1 when it is `text`, -1 when
   * it is empty (an anonymous member), else 0. One call a member where a search by name asks both
   * (bpf_core_match_member over ~250 task_struct members). @internal
   */
  compareName(offset: number, text: string): number {
    if (offset < this.stringsBase) return this.base!.compareName(offset, text);
    const local = offset - this.stringsBase;
    const strings = this.#strings;
    if (local < strings.length && strings[local] === 0) return -1;
    return this.nameEquals(offset, text) ? 1 : 0;
  }

  /** Ids of every type called `name` (base types first), optionally of one kind only. */
  findByName(name: string, kind?: BtfKind): number[] {
    const ids = this.base ? this.base.findByName(name, kind) : [];
    this.#names ??= new NameIndex(this, this.#index, this.firstTypeId);
    for (const id of this.#names.lookup(name)) {
      if (kind === undefined || this.kindOf(id) === kind) ids.push(id);
    }
    return ids;
  }

  /** The one type called `name` of `kind`; NotFoundError when there is none. */
  findOne(name: string, kind: BtfKind): number {
    const [id] = this.findByName(name, kind);
    if (id === undefined) {
      throw new NotFoundError(`no ${kind} named '${name}' in BTF`, { location: { symbol: name } });
    }
    return id;
  }

  /** This BTF's own types in id order (not the base's), decoded one at a time. */
  *types(): IterableIterator<BtfType> {
    const count = this.#index.count;
    for (let k = 0, pos = 0; k < count; k++, pos += recordWords(this.words, pos)) {
      yield decodeType(this, this.firstTypeId + k, pos);
    }
  }

  [Symbol.iterator](): IterableIterator<BtfType> {
    return this.types();
  }

  /** Follows typedefs and CONST/VOLATILE/RESTRICT/TYPE_TAG to the underlying type id. */
  skipModsAndTypedefs(id: number): number {
    return skipModsAndTypedefs(this, id);
  }

  /** Size in bytes of a value of this type (typedefs, modifiers, arrays and VARs followed). */
  resolveSize(id: number): number {
    return resolveSize(this, id);
  }

  /** The members of a struct or union (after typedefs/modifiers), anonymous ones included. */
  members(id: number): BtfMember[] {
    return members(this, id);
  }

  /**
   * Finds a member by name or dotted path ("a.b"), looking through anonymous struct/union
   * members as C does; offsets are from the start of the outer struct.
   */
  findMember(id: number, path: string): MemberLocation {
    return findMember(this, id, path);
  }

  /** Bit offset of a member (see findMember). */
  memberOffsetBits(id: number, path: string): number {
    return findMember(this, id, path).bitOffset;
  }

  /** A C-like spelling: "struct task_struct *", "__u32", "char[16]", "int (*)(void *)". */
  formatType(id: number): string {
    return formatType(this, id);
  }
}

/** Base BTF starts with the empty string; any non-empty table ends with NUL (libbpf's rules). */
function checkStringTable(strings: Uint8Array, start: number, isBase: boolean): void {
  if (isBase && (strings.length === 0 || strings[0] !== 0)) {
    throw new BtfError('BTF string section must start with an empty string', {
      location: { byteOffset: start, field: 'str_off' },
    });
  }
  if (strings.length > 0 && strings[strings.length - 1] !== 0) {
    throw new BtfError('BTF string section does not end with NUL', {
      location: { byteOffset: start + strings.length - 1, field: 'str_len' },
    });
  }
}

/**
 * A Btf over `bytes`, a copy of `btf.bytes` in which only type records' field values changed (no
 * kind, vlen or record length): the header, strings and type index are shared instead of read and
 * validated again. @internal
 */
export function repatchedBtf(btf: Btf, bytes: Uint8Array): Btf {
  return new Btf(bytes, btf.base ? { base: btf.base } : {}, btf);
}

/** Parses a .BTF section (either byte order). Throws BtfError with a location when malformed. */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  if (!(bytes instanceof Uint8Array)) throw new UsageError('parseBtf expects a Uint8Array');
  return new Btf(bytes, options);
}
