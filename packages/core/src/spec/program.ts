import type { Instruction } from './instruction.js';
import type { ProgramRelocation } from './relocation.js';

/** Code that is not an entry point: a `.text` function or another callee. */
export interface FunctionSpec {
  name: string;
  /** ELF section the function came from ('' for functions built in code) */
  section: string;
  /** byte offset of the function inside its section */
  sectionOffset: number;
  instructions: Instruction[];
  relocations: ProgramRelocation[];
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
