import { cloneSpecData } from './clone-data.js';
import type { MapSpec } from './map.js';
import type { FunctionSpec, ProgramSpec } from './program.js';
import type { ObjectSymbol } from './symbol.js';

/**
 * Everything an object holds, before anything touches a kernel. Produced by reading an ELF file
 * or by a builder; edited by the user between open and load.
 */
export interface ObjectSpec {
  /** object name (file name without extension for ELF) */
  name: string;
  byteOrder: 'little' | 'big';
  license: string;
  kernelVersion: number;
  /** entry points, in section order */
  programs: ProgramSpec[];
  /** functions callable from programs (`.text` and other non-entry functions) */
  functions: FunctionSpec[];
  maps: MapSpec[];
  /** undefined symbols the code refers to: .kconfig / .ksyms variables and kfuncs, resolved at load */
  externs?: { name: string; weak: boolean }[];
  /**
   * The global (and weak) functions, variables and maps the object defines, for linking it with
   * others (linkSpecs): which definitions are weak, and where variables lie when there is no BTF.
   */
  symbols?: ObjectSymbol[];
  /** raw .BTF and .BTF.ext sections, when present */
  btf?: Uint8Array;
  btfExt?: Uint8Array;
}

/**
 * A deep copy: specs are plain data, so edits to the copy never reach the original. Each typed
 * array of the copy has a buffer of its own length (cloneSpecData), not a copy of the file or
 * slab it was a view of.
 */
export function cloneObjectSpec(spec: ObjectSpec): ObjectSpec {
  return cloneSpecData(spec);
}
