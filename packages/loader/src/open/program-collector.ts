import { objectBtf } from '@bpfkit/btf';
import {
  bufferView,
  type CollectedCode,
  createInstructionStream,
  type FunctionSpec,
  type InstructionStream,
  type ObjectFileView,
  type OpenContext,
  type ProgramCollector,
  type ProgramCollectorInput,
  ProgramDefinitionError,
  type ProgramSpec,
  ProgramType,
  parseSectionName,
  STB_LOCAL,
  STT_FUNC,
  type SymbolView,
  symbolFieldsOf,
  symbolsOfType,
} from '@bpfkit/core';
import { fillFunctionDebugInfo, readSectionDebugInfo, type SectionDebugInfo } from './btf-ext-info.js';
import { type FunctionExtent, recordCodeRelocations, recordLocalCalls } from './code-relocations.js';
import { compilerQuirks } from './compiler-quirks.js';
import { executableSections } from './executable-sections.js';
import { indexMapPlaces } from './map-places.js';
import { objectMetadata } from './object-metadata.js';

/**
 * libbpf's bpf_object__add_programs: every STT_FUNC in an executable section is a function;
 * those outside .text are entry programs, typed by their section name (libbpf's SEC() table).
 */
export function collectCode(
  file: ObjectFileView,
  context: OpenContext,
  input: ProgramCollectorInput,
): CollectedCode {
  const { license, kernelVersion } = objectMetadata(file, context);
  const extents = new Map<number, FunctionExtent[]>();
  const functionSymbols = new Map<number, SymbolView[]>();
  const symbols = symbolFieldsOf(file);
  for (const index of symbolsOfType(symbols, STT_FUNC)) {
    const sym = symbols.symbol(index);
    const list = functionSymbols.get(sym.sectionIndex);
    if (list) list.push(sym);
    else functionSymbols.set(sym.sectionIndex, [sym]);
  }

  for (const section of executableSections(file, context)) {
    const bytes = file.sectionData(section.index);
    // one view for every function in it (a kept view of the file's buffer): relocations and the
    // local-call scan read slot fields through it
    const view = bufferView(bytes.buffer);
    // compared, not subtracted: a bigint difference allocates on every comparison
    const symbols = (functionSymbols.get(section.index) ?? []).sort((a, b) =>
      a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
    );
    const list: FunctionExtent[] = [];
    for (const sym of symbols) {
      const start = Number(sym.value);
      const end = start + Number(sym.size);
      if (start % 8 !== 0 || sym.size % 8n !== 0n || end > bytes.length || end <= start) {
        throw new ProgramDefinitionError(
          `function ${sym.name} spans bytes ${start}..${end}, not whole instructions`,
          {
            location: {
              object: context.objectName,
              section: section.name,
              symbol: sym.name,
              byteOffset: start,
            },
          },
        );
      }
      // the stream is made here, so that relocations go straight into its references
      const stream = createInstructionStream(bytes.subarray(start, end), file.byteOrder);
      list.push({
        name: sym.name,
        sectionIndex: section.index,
        start,
        end,
        bytes: stream.bytes,
        sectionView: view,
        sectionBase: bytes.byteOffset,
        references: stream.references,
        stream,
        global: sym.bind !== STB_LOCAL,
      });
    }
    extents.set(section.index, list);
  }

  const functionAt = (sectionIndex: number, byteOffset: number) =>
    extents.get(sectionIndex)?.find((f) => f.start === byteOffset);
  const quirks = compilerQuirks(file);
  const places = indexMapPlaces(input.maps);
  for (const [sectionIndex, list] of extents) {
    recordCodeRelocations(file, sectionIndex, list, places, functionAt, quirks);
    const sectionName = file.sections[sectionIndex]!.name;
    for (const fn of list) {
      recordLocalCalls(fn, functionAt, context.objectName, sectionName, file.byteOrder === 'little');
    }
  }

  const debugInfo = readSectionDebugInfo(file, objectBtf(file, context));
  const programs: ProgramSpec[] = [];
  const functions: FunctionSpec[] = [];
  for (const section of executableSections(file, context)) {
    for (const extent of extents.get(section.index) ?? []) {
      const fn: FunctionSpec = {
        name: extent.name,
        section: section.name,
        sectionOffset: extent.start,
        // The code stays a view of the section; its metadata is keyed by slot, which is what a
        // stream's instruction identities start as.
        instructions: functionStream(extent, debugInfo?.get(section.name)),
        global: extent.global,
      };
      if (section.name === '.text') {
        functions.push(fn);
        continue;
      }
      if (!fn.global) {
        throw new ProgramDefinitionError(`program ${fn.name} is static; entry programs must be global`, {
          location: { object: context.objectName, section: section.name, symbol: fn.name },
          hint: 'remove `static` from the program function, as libbpf requires',
        });
      }
      programs.push(toProgram(fn, license, kernelVersion));
    }
  }
  return { programs, functions };
}

/** The function's stream, its debug records filled straight into the stream's tables. */
function functionStream(extent: FunctionExtent, info: SectionDebugInfo | undefined): InstructionStream {
  const stream = extent.stream;
  if (info) fillFunctionDebugInfo(stream, info, extent.start, extent.end);
  return stream;
}

function toProgram(fn: FunctionSpec, license: string, kernelVersion: number): ProgramSpec {
  // A section no SEC() name matches stays UNSPEC: a plugin may type it (iproute2's ID/KEY tail
  // calls), and load refuses what is still untyped, naming the section.
  const parsed = parseSectionName(fn.section);
  // Written out rather than spread: an open makes one per program.
  return {
    name: fn.name,
    section: fn.section,
    sectionOffset: fn.sectionOffset,
    instructions: fn.instructions,
    global: fn.global,
    type: parsed?.programType ?? ProgramType.UNSPEC,
    expectedAttachType: parsed?.expectedAttachType ?? 0,
    attachTarget: parsed?.attachTarget ?? '',
    flags: parsed?.flags ?? 0,
    license,
    kernelVersion,
    autoload: parsed?.autoload ?? !fn.section.startsWith('?'),
  };
}

/** The default program collector stage. */
export const elfProgramCollector: ProgramCollector = {
  name: 'collect programs',
  run: (input, context) => collectCode(input.file, context, input),
};
