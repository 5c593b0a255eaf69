/**
 * One global symbol an object defines, as another object linked with it sees it: the part of an
 * ELF symbol table that outlives open (libbpf's linker reads the same fields: binding, visibility,
 * where the definition lives). Static symbols are private to their object and are not listed.
 */
export interface ObjectSymbol {
  name: string;
  /**
   * What the name defines: a function or program (its FunctionSpec has this name), a variable in a
   * global-data map (kind 'data'), or a map definition (its MapSpec has this name).
   */
  kind: 'function' | 'variable' | 'map';
  /** STB_WEAK: a strong definition in another object wins when the two are linked */
  weak: boolean;
  /** STV_HIDDEN or STV_INTERNAL: visible to the objects it is linked with, not beyond */
  hidden: boolean;
  /** a variable's place: the data map that holds it (".bss", ".rodata", ...) */
  map?: string;
  /** a variable's byte offset in that map's value */
  offset?: number;
  /** a variable's size in bytes */
  size?: number;
}
