import { objectBtf, objectBtfSpecBytes } from '@bpfkit/btf';
import {
  Artifacts,
  type EventSink,
  SHN_UNDEF as IMPORTED_SHN_UNDEF,
  STB_WEAK as IMPORTED_STB_WEAK,
  STT_SECTION as IMPORTED_STT_SECTION,
  knownSectionPrefixes,
  type MapCollector,
  MapDefinitionError,
  type MapSpec,
  type ObjectFileView,
  type ObjectReader,
  type ObjectSpec,
  type OpenContext,
  type OpenOptions,
  type ProgramCollector,
  ProgramType,
  pooledCopy,
  runStageSync,
  type Stage,
  silentEvents,
  symbolFieldsOf,
} from '@bpfkit/core';
import { claimSections } from './claim-sections.js';
import { objectMetadata } from './object-metadata.js';
import { objectSymbols } from './object-symbols.js';
import { selectCollectors } from './select-collectors.js';

// The loops' imported constants as this module's own: V8 folds those, but reloads an import per read.
const SHN_UNDEF = IMPORTED_SHN_UNDEF;
const STB_WEAK = IMPORTED_STB_WEAK;
const STT_SECTION = IMPORTED_STT_SECTION;

/** The stages of the open phase, as the container supplies them. */
export interface OpenStages {
  reader: ObjectReader;
  collectors: readonly MapCollector[];
  programs: ProgramCollector;
  transforms: readonly Stage<ObjectSpec, ObjectSpec, OpenContext>[];
}

/**
 * The open phase: read the file, let map collectors claim their sections, split code into
 * programs and functions with symbolic relocations, then run any spec transforms. Pure: the
 * same bytes give the same spec on every machine. `ownsBytes`: the caller hands `bytes` over
 * (it read them for this open), so the spec keeps views of them where it would copy.
 */
export function openObject(
  bytes: Uint8Array,
  name: string,
  stages: OpenStages,
  options: OpenOptions,
  events: EventSink,
  ownsBytes = false,
): ObjectSpec {
  const context: OpenContext = { objectName: name, options, events, artifacts: new Artifacts(), bytes };
  const file = runStageSync('open', stages.reader, bytes, context, events);

  const collectors = selectCollectors(stages.collectors, options.format);
  const maps = runStageSync(
    'open',
    {
      name: 'collect maps',
      run: () => {
        // a loop and push, not flatMap: Node 20's flatMap takes about 300 ns a call, an open's
        // collectors 20 ns this way
        const collected: MapSpec[] = [];
        for (const { collector, sections } of claimSections(file, collectors, context)) {
          // the message is built only for a sink that listens: an open runs this per format
          if (events !== silentEvents) {
            events.emit({
              type: 'decision',
              message: `${collector.format} format reads ${sections.map((s) => s.name).join(', ')}`,
            });
          }
          for (const map of collector.collect(file, sections, context)) collected.push(map);
        }
        return collected;
      },
    },
    undefined,
    context,
    events,
  );
  rejectDuplicateNames(maps, name);

  const code = runStageSync('open', stages.programs, { file, maps }, context, events);
  const { license, kernelVersion } = objectMetadata(file, context);
  let spec: ObjectSpec = {
    name,
    byteOrder: file.byteOrder,
    license,
    kernelVersion,
    programs: code.programs,
    functions: code.functions,
    maps,
  };
  const externs = externSymbols(file);
  if (externs.length > 0) spec.externs = externs;
  // loops, not spreads and map: an open makes this once, and each spread made an array
  const names = new Set<string>();
  for (const program of code.programs) names.add(program.name);
  for (const fn of code.functions) names.add(fn.name);
  const symbols = objectSymbols(file, maps, names);
  if (symbols.length > 0) spec.symbols = symbols;
  // The BTF as libbpf would send it: DATASEC sizes and offsets fixed from the ELF symbols.
  const btf = objectBtf(file, context);
  const btfExt = file.sections.find((s) => s.name === '.BTF.ext');
  if (btf) spec.btf = objectBtfSpecBytes(btf, context, ownsBytes);
  if (btfExt) {
    const data = file.sectionData(btfExt.index);
    spec.btfExt = ownsBytes ? data : pooledCopy(data);
  }

  for (const transform of stages.transforms) spec = runStageSync('open', transform, spec, context, events);
  warnUntypedPrograms(spec, events);
  return spec;
}

/**
 * Sections still untyped after every format and transform had its say: open keeps them (the spec
 * may be edited, as libbpf lets bpf_program__set_type), load refuses them by name.
 */
function warnUntypedPrograms(spec: ObjectSpec, events: EventSink): void {
  for (const program of spec.programs) {
    if (program.type !== ProgramType.UNSPEC) continue;
    events.emit({
      type: 'warning',
      message: `section ${program.section} says no program type; ${program.name} will not load unless its type is set (known names near it: ${knownSectionPrefixes(program.section).slice(0, 8).join(', ')})`,
      location: { object: spec.name, section: program.section, program: program.name },
    });
  }
}

function rejectDuplicateNames(maps: readonly MapSpec[], object: string): void {
  const seen = new Set<string>();
  for (const map of maps) {
    if (seen.has(map.name)) {
      throw new MapDefinitionError(`two map definitions are named ${map.name}`, {
        location: { object, map: map.name, section: map.source.section },
        hint: 'two formats may have read the same definition; choose one with --format',
      });
    }
    seen.add(map.name);
  }
}

/** Undefined, named symbols: the object's externs (libbpf's bpf_object__collect_externs). */
function externSymbols(file: ObjectFileView): { name: string; weak: boolean }[] {
  const symbols = symbolFieldsOf(file);
  const externs: { name: string; weak: boolean }[] = [];
  // symbol 0 is the null symbol
  for (let index = 1; index < symbols.count; index++) {
    if (symbols.sectionIndex(index) !== SHN_UNDEF || symbols.type(index) === STT_SECTION) continue;
    const name = symbols.symbol(index).name;
    if (name !== '') externs.push({ name, weak: symbols.bind(index) === STB_WEAK });
  }
  return externs;
}
