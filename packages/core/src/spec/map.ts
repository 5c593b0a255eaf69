/** How a map is pinned in bpffs. */
export type MapPinning =
  | { kind: 'none' }
  /** libbpf's LIBBPF_PIN_BY_NAME: `<pin root>/<map name>` */
  | { kind: 'by-name' }
  /** an exact path chosen by a format plugin (iproute2's tc/globals, BCC's "maps/x:path") */
  | { kind: 'path'; path: string };

/**
 * Where a map definition came from, so a plugin can read fields only it knows.
 *
 * How relocations find a map: an ld_imm64 whose ELF relocation names a symbol in section S at value
 * V binds to the map whose source has `sectionIndex` S and `offset` V ('map' kind), or to the
 * 'data' map of section S with V as the offset into its value. A plugin that makes maps from its own
 * sections sets these two fields to the definition's place, and its maps become relocation targets.
 */
export interface MapSource {
  /** the format that produced the definition: 'legacy', 'btf', 'global-data', 'iproute2', 'bcc', 'builder', ... */
  format: string;
  /** ELF section the definition lives in ('' when built in code) */
  section: string;
  /** ELF section index, -1 when built in code */
  sectionIndex: number;
  /** byte offset of the definition in its section */
  offset: number;
  /** BTF type id of the definition struct, when the object has BTF */
  btfTypeId?: number;
  /** BTF type id of the variable holding the definition */
  btfVarId?: number;
}

/**
 * What a map is to the programs that use it, which decides how relocations bind to it:
 * - 'map': a defined map; an ld_imm64 of its definition's symbol becomes BPF_PSEUDO_MAP_FD.
 * - 'data': global data (.data, .bss, .rodata*, .kconfig): one array slot whose value holds the
 *   section; a reference to a variable in the section becomes BPF_PSEUDO_MAP_VALUE + offset.
 * - 'struct-ops': a `.struct_ops` variable; its value is built at load from the kernel's type,
 *   with the fds of the programs it names.
 */
export type MapKind = 'map' | 'data' | 'struct-ops';

/** A map blueprint: plain data, copyable, identical on every machine. */
export interface MapSpec {
  /** how relocations bind to the map; absent means 'map' */
  kind?: MapKind;
  /** the name users look the map up by (a global-data map is named after its section, ".rodata") */
  name: string;
  /** the name given to the kernel when it differs from `name` (libbpf's "obj_name.rodata") */
  kernelName?: string;
  /** BPF_MAP_TYPE_* */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* map flags */
  flags: number;
  numaNode?: number;
  mapExtra?: bigint;
  pinning: MapPinning;
  /** template of the inner map for ARRAY_OF_MAPS / HASH_OF_MAPS */
  innerMap?: MapSpec;
  /** initial contents written after creation (prog array slots are names of programs) */
  contents?: MapEntry[];
  /** initial value of a single-entry array (global data sections) */
  initialData?: Uint8Array;
  /** freeze after the initial write (.rodata) */
  freeze?: boolean;
  /** BTF type ids of key and value, passed to MAP_CREATE when the object has BTF */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** bytes of the definition that its format does not understand, kept for plugins */
  extra?: Uint8Array;
  /** what a 'struct-ops' map registers: the struct as the object wrote it (libbpf's bpf_struct_ops) */
  structOps?: StructOpsSpec;
  source: MapSource;
}

/**
 * A `.struct_ops` variable: a struct of the kernel's (`struct tcp_congestion_ops`) filled in by
 * the object. Machine-independent: the kernel's layout is looked up at load, where members are
 * matched by name, scalars copied and function pointers replaced by program fds.
 */
export interface StructOpsSpec {
  /** the struct's name; the kernel has `struct <typeName>` and its map value `struct bpf_struct_ops_<typeName>` */
  typeName: string;
  /** the variable's bytes in the object's layout of the struct */
  data: Uint8Array;
  /** the struct's members in the object's layout, in declaration order */
  members: StructOpsMember[];
}

/** One member of a struct_ops struct, as the object declares it. */
export interface StructOpsMember {
  name: string;
  /** byte offset in StructOpsSpec.data */
  offset: number;
  /** byte size */
  size: number;
  /** BTF kind of the member's type after typedefs and modifiers ('PTR', 'INT', 'ARRAY', ...) */
  kind: string;
  /** a bitfield member (the kernel's struct_ops accept none) */
  bitfield?: boolean;
  /** function-pointer members the object set: the program that implements it */
  program?: string;
}

export type MapEntry =
  | { key: Uint8Array; value: Uint8Array }
  /** a slot of a PROG_ARRAY or map-in-map filled with a program or map by name after load */
  | { key: Uint8Array; ref: { kind: 'program' | 'map'; name: string } };
