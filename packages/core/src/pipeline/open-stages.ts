import type { MapSpec } from '../spec/map.js';
import type { ObjectFileView, SectionView } from '../spec/object-file.js';
import type { FunctionSpec, ProgramSpec } from '../spec/program.js';
import type { Artifacts } from './artifacts.js';
import type { EventSink } from './events.js';

/** Options that open-time stages read. Plugins may read keys of their own. */
export interface OpenOptions {
  /** object name used in messages and specs (defaults to the file name) */
  name?: string;
  /** keep and ignore unknown BTF map members instead of failing (libbpf's relaxed maps) */
  relaxedMaps?: boolean;
  /** readonly settings for plugins, by plugin-chosen key */
  readonly [key: string]: unknown;
}

/** What every open-time stage receives besides its input. */
export interface OpenContext {
  readonly objectName: string;
  readonly options: OpenOptions;
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
 * the first whose `claims` says yes owns it, so a plugin can take any section name.
 */
export interface MapCollector {
  /** the format name written to MapSpec.source.format and used by --format */
  readonly format: string;
  claims(section: SectionView, file: ObjectFileView, context: OpenContext): boolean;
  collect(file: ObjectFileView, sections: readonly SectionView[], context: OpenContext): MapSpec[];
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
