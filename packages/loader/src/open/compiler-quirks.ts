import type { ObjectFileView } from '@bpfkit/core';

/** Where compilers disagree on the encoding of an object, and what this object's compiler does. */
export interface CompilerQuirks {
  /**
   * bpf-gcc (12) writes a variable's offset both in its symbol's value and in the ld_imm64
   * immediate; clang leaves the immediate 0. Adding both, as libbpf 1.1 does, reads past the value.
   */
  dataImmediateIncludesSymbolValue: boolean;
}

// one decoder for every open: constructing a TextDecoder costs more than the decode
const utf8 = new TextDecoder();

/** The quirks of the compiler named in the object's .comment section ("GCC: ..." for bpf-gcc). */
export function compilerQuirks(file: ObjectFileView): CompilerQuirks {
  const comment = file.sections.find((s) => s.name === '.comment');
  const text = comment ? utf8.decode(file.sectionData(comment.index)) : '';
  const gcc = text.includes('GCC:') && !text.includes('clang');
  return { dataImmediateIncludesSymbolValue: gcc };
}
