import type { InstructionStream } from './instruction-stream.js';

/** struct bpf_func_info: the BTF FUNC of the function starting at an instruction. */
export interface FuncInfo {
  /** instruction index inside the function */
  instruction: number;
  /** BTF type id of the FUNC */
  typeId: number;
}

/** struct bpf_line_info: which C source line an instruction came from. */
export interface LineInfo {
  /** instruction index inside the function */
  instruction: number;
  /** offsets into the object's BTF string table (PROG_LOAD passes them as they are) */
  fileNameOffset: number;
  lineOffset: number;
  line: number;
  column: number;
}

/** struct bpf_core_relo: one CO-RE relocation, symbolic until the relocator sees the target BTF. */
export interface CoreRelocation {
  /** instruction index inside the function */
  instruction: number;
  /** the local (object BTF) type id of the access's root type */
  typeId: number;
  /** "0:1:2": member/array index path from the root type, as clang writes it */
  accessString: string;
  /** enum bpf_core_relo_kind (FIELD_BYTE_OFFSET = 0 ... TYPE_MATCHES = 12) */
  kind: number;
}

/** A line_info record as an instruction's metadata (its place is the instruction it is attached to). */
export type LineRecord = Omit<LineInfo, 'instruction'>;

/** A CO-RE record as an instruction's metadata. */
export type CoreRecord = Omit<CoreRelocation, 'instruction'>;

/** Code that is not an entry point: a `.text` function or another callee. */
export interface FunctionSpec {
  name: string;
  /** ELF section the function came from ('' for functions built in code) */
  section: string;
  /** byte offset of the function inside its section */
  sectionOffset: number;
  /**
   * The code, with its map/function/extern references, CO-RE records, func_info and line_info
   * attached to the instructions they describe, so edits keep them right.
   */
  instructions: InstructionStream;
  /** true for STB_GLOBAL functions (verified separately by the kernel when they have BTF) */
  global: boolean;
}

/** A blueprint of one program: plain data, copyable, identical on every machine. */
export interface ProgramSpec extends FunctionSpec {
  /** BPF_PROG_TYPE_* */
  type: number;
  /** BPF_* attach type passed as expected_attach_type (0 when the type needs none) */
  expectedAttachType: number;
  /** what the section name says to attach to (tracepoint name, function), '' when nothing */
  attachTarget: string;
  /** BPF_F_* program flags, e.g. SLEEPABLE for ".s" sections */
  flags: number;
  license: string;
  kernelVersion: number;
  /** false for sections written with a leading '?' (libbpf's autoload off) */
  autoload: boolean;
}
