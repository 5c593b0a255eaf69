/**
 * References a program makes to things outside its own instructions. They stay symbolic in the
 * spec (a map name, a function name) and are resolved only at load, when fds exist.
 */
export type ProgramRelocation =
  | MapFdRelocation
  | MapValueRelocation
  | CallRelocation
  | FunctionPointerRelocation
  | ExternRelocation;

/** ld_imm64 of a map: becomes BPF_PSEUDO_MAP_FD with the map's fd. */
export interface MapFdRelocation {
  kind: 'map-fd';
  /** index of the ld_imm64's first slot */
  instruction: number;
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
export interface MapValueRelocation {
  kind: 'map-value';
  instruction: number;
  map: string;
  offset: number;
}

/** bpf-to-bpf call (BPF_PSEUDO_CALL): the subprogram is appended and imm made pc-relative. */
export interface CallRelocation {
  kind: 'call';
  instruction: number;
  function: string;
}

/** ld_imm64 of a function address (BPF_PSEUDO_FUNC), used by callbacks such as bpf_loop. */
export interface FunctionPointerRelocation {
  kind: 'func-pointer';
  instruction: number;
  function: string;
}

/** A reference to an extern symbol (.kconfig variable, .ksyms symbol or kfunc). */
export interface ExternRelocation {
  kind: 'extern';
  instruction: number;
  name: string;
  /** byte offset added to a variable's address */
  offset: number;
}
