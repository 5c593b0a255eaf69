import type { MapSpec } from '../spec/map.js';
import type { ObjectFileView, SectionView } from '../spec/object-file.js';
import type { FunctionSpec, ProgramSpec } from '../spec/program.js';
import type { Artifacts } from './artifacts.js';
import type { EventSink } from './events.js';

/**
 * Options that the default open stages read. A plugin declares the keys its stages read (see
 * Plugin), and the loader's open() accepts exactly these plus the declared ones.
 */
export interface OpenOptions {
  /** object name used in messages and specs (defaults to the file name) */
  name?: string;
  /** keep and ignore unknown BTF map members instead of failing (libbpf's relaxed maps) */
  relaxedMaps?: boolean;
  /** which map-definition format wins the sections several could read: auto (default), libbpf, legacy, ... */
  format?: string;
}

/** The keys of OpenOptions with a line each, for the error that an unknown key gets. */
export const openOptionDescriptions: OptionDescriptions<OpenOptions> = {
  name: 'object name used in messages and specs',
  relaxedMaps: 'keep and ignore unknown BTF map members',
  format: 'which map format wins contested sections: auto, libbpf, or a format name',
};

/** Every key of an options type, each with a one-line description (the type checks none is missed). */
export type OptionDescriptions<O> = { readonly [K in keyof O]-?: string };

/**
 * What every open-time stage receives besides its input. `O` is the options a plugin declared:
 * its stages see those and the default ones, and reading any other key is a type error.
 */
export interface OpenContext<O extends object = {}> {
  readonly objectName: string;
  readonly options: Readonly<OpenOptions & Partial<O>>;
  readonly events: EventSink;
  /** typed results earlier stages left for later ones (parsed BTF, ...) */
  readonly artifacts: Artifacts;
  /** the object file's bytes (iproute2 names pin directories after their SHA-1) */
  readonly bytes: Uint8Array;
}

/** Turns file bytes into a view of sections, symbols and relocations. */
export interface ObjectReader {
  readonly name: string;
  run(bytes: Uint8Array, context: OpenContext): ObjectFileView;
}

/**
 * One map-definition format. The open pipeline offers each section to the collectors in order;
 * the first whose `claims` says yes owns it, so a plugin can take any section name. Code and the
 * ELF file's bookkeeping (SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_RELA) are offered to none.
 */
export interface MapCollector<O extends object = {}> {
  /** the format name written to MapSpec.source.format, used by --format and by Placement */
  readonly format: string;
  claims(section: SectionView, file: ObjectFileView, context: OpenContext<O>): boolean;
  collect(file: ObjectFileView, sections: readonly SectionView[], context: OpenContext<O>): MapSpec[];
}

/** The input of the program collector: the file and the maps found so far (relocation targets). */
export interface ProgramCollectorInput {
  readonly file: ObjectFileView;
  readonly maps: readonly MapSpec[];
}

export interface CollectedCode {
  programs: ProgramSpec[];
  functions: FunctionSpec[];
}

/** Splits executable sections into programs and functions and collects their relocations. */
export interface ProgramCollector {
  readonly name: string;
  run(input: ProgramCollectorInput, context: OpenContext): CollectedCode;
}
