export { ElfFile } from './elf-file.js';
export type { ElfHeader, ElfHeaderFields } from './elf-header.js';
export { type ExerciseSummary, exerciseElf } from './exercise-elf.js';
export { readElf } from './read-elf.js';
export type { SectionHeader } from './section-table.js';
