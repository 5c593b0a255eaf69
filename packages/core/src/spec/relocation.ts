/**
 * References a program makes to things outside its own instructions. They stay symbolic in the
 * spec (a map name, a function name), travel with the instruction that makes them (an
 * InstructionStream keeps them as that instruction's metadata), and are resolved only at load,
 * when fds exist.
 */
export type InstructionReference =
  | MapFdReference
  | MapValueReference
  | CallReference
  | FunctionPointerReference
  | ExternReference;

/** ld_imm64 of a map: becomes BPF_PSEUDO_MAP_FD with the map's fd. */
export interface MapFdReference {
  kind: 'map-fd';
  /** the map's name (the symbol's name when no collector read the definition) */
  map: string;
  /**
   * Set when no map of the object defines the symbol (its section was not claimed by any format):
   * at load, a map whose source has this section index and offset is the target, so a map added
   * between open and load (an external map, a map from another object) can stand in.
   */
  definition?: { sectionIndex: number; offset: number };
}

/** ld_imm64 of an address inside a map's value (global data): BPF_PSEUDO_MAP_VALUE + offset. */
export interface MapValueReference {
  kind: 'map-value';
  map: string;
  offset: number;
}

/** bpf-to-bpf call (BPF_PSEUDO_CALL): the subprogram is appended and imm made pc-relative. */
export interface CallReference {
  kind: 'call';
  function: string;
}

/** ld_imm64 of a function address (BPF_PSEUDO_FUNC), used by callbacks such as bpf_loop. */
export interface FunctionPointerReference {
  kind: 'func-pointer';
  function: string;
}

/** A reference to an extern symbol (.kconfig variable, .ksyms symbol or kfunc). */
export interface ExternReference {
  kind: 'extern';
  name: string;
  /** byte offset added to a variable's address */
  offset: number;
}

/** A metadata record placed at an instruction index of a program that no edit will change any more. */
export type Placed<T> = T extends unknown ? T & { instruction: number } : never;

/**
 * A reference at its instruction index: what the relocator works with once a program is linked
 * (its layout is final), and what `streamReferences` lists for reading.
 */
export type ProgramRelocation = Placed<InstructionReference>;
export type MapFdRelocation = Placed<MapFdReference>;
export type MapValueRelocation = Placed<MapValueReference>;
export type CallRelocation = Placed<CallReference>;
export type FunctionPointerRelocation = Placed<FunctionPointerReference>;
export type ExternRelocation = Placed<ExternReference>;
