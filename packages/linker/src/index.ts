export { mapDefinitionMismatch, type TypeRef, typeMismatch } from './btf-compat.js';
export { type ElfImage, type OutputSection, type OutputSymbol, writeElf } from './elf-writer.js';
export type { LinkInput } from './input-object.js';
export { SymbolConflictError } from './link-error.js';
export { type LinkOptions, linkObjects } from './link-objects.js';
export { type LinkSpecsOptions, linkSpecs } from './link-specs.js';
