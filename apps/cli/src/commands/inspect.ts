import { existsSync } from 'node:fs';
import { type Btf, loadKernelBtf } from '@bpfkit/btf';
import {
  attachTypeName,
  instructionCount,
  type LoaderEvent,
  MapFlag,
  type MapSpec,
  mapTypeName,
  type ObjectSpec,
  type ProgramRelocation,
  type ProgramSpec,
  programTypeName,
  streamReferences,
} from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { getVariable, globalVariables, type Loader, objectNameOf, specBtf } from '@bpfkit/loader';
import { type CoreRelocationResult, coreReloKindName, linkProgram, relocateCore } from '@bpfkit/relocator';
import { formatTable } from '../table.js';

const SECTION_TYPES: Record<number, string> = {
  0: 'NULL',
  1: 'PROGBITS',
  2: 'SYMTAB',
  3: 'STRTAB',
  4: 'RELA',
  8: 'NOBITS',
  9: 'REL',
  1879002115: 'LLVM_ADDRSIG',
};

export interface InspectReport {
  object: string;
  /** what the open phase decided (which format read which section) */
  decisions: string[];
  byteOrder: string;
  license: string;
  kernelVersion: number;
  sections: { index: number; name: string; type: string; size: number; flags: string }[];
  programs: {
    name: string;
    section: string;
    type: string;
    expectedAttachType: string;
    attachTarget: string;
    instructions: number;
    autoload: boolean;
    relocations: string[];
    /** CO-RE relocations: the access clang recorded, and what it resolves to on the target BTF */
    coreRelocations: { instruction: number; kind: string; access: string; local: string; target: string }[];
  }[];
  functions: {
    name: string;
    section: string;
    instructions: number;
    global: boolean;
    relocations: string[];
  }[];
  maps: {
    name: string;
    format: string;
    section: string;
    type: string;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    flags: number;
    pinning: string;
    extraBytes: number;
    /** C types of key and value, from BTF */
    keyType?: string;
    valueType?: string;
    /** struct_ops maps: the kernel struct they fill and the program behind each function pointer */
    structOps?: { type: string; link: boolean; programs: Record<string, string> };
  }[];
  variables: {
    name: string;
    map: string;
    type: string;
    offset: number;
    size: number;
    initialValue: unknown;
  }[];
}

/** What `bpfkit inspect` reports: the ELF sections and the spec bpfkit reads from them. */
export function inspectObject(
  loader: Loader,
  path: string,
  bytes: Uint8Array,
  format: string | undefined,
  targetBtf: () => Btf | undefined = defaultTargetBtf,
): InspectReport {
  const target = targetBtf;
  const elf = readElf(bytes, path);
  const decisions: string[] = [];
  const events = {
    emit: (e: LoaderEvent) => (e.type === 'decision' || e.type === 'warning') && decisions.push(e.message),
  };
  const spec: ObjectSpec = loader.open(
    bytes,
    { name: objectNameOf(path), ...(format ? { format } : {}) },
    events,
  );
  return {
    object: spec.name,
    decisions,
    byteOrder: spec.byteOrder,
    license: spec.license,
    kernelVersion: spec.kernelVersion,
    sections: elf.sections
      .filter((s) => s.index !== 0)
      .map((s) => ({
        index: s.index,
        name: s.name,
        type: SECTION_TYPES[s.type] ?? `0x${s.type.toString(16)}`,
        size: s.size,
        flags: sectionFlags(s.flags),
      })),
    programs: spec.programs.map((p) => ({
      name: p.name,
      section: p.section,
      type: programTypeName(p.type),
      expectedAttachType: p.expectedAttachType ? attachTypeName(p.expectedAttachType) : '',
      attachTarget: p.attachTarget,
      instructions: instructionCount(p.instructions),
      autoload: p.autoload,
      relocations: streamReferences(p.instructions).map(describeRelocation),
      coreRelocations: describeCoreRelocations(spec, p, target),
    })),
    functions: spec.functions.map((f) => ({
      name: f.name,
      section: f.section,
      instructions: instructionCount(f.instructions),
      global: f.global,
      relocations: streamReferences(f.instructions).map(describeRelocation),
    })),
    maps: spec.maps.map((m) => describeMap(m, spec)),
    variables: globalVariables(spec).map((v) => ({
      name: v.name,
      map: v.map,
      type: v.typeName,
      offset: v.offset,
      size: v.size,
      initialValue: jsonValue(getVariable(spec, v.name)),
    })),
  };
}

/** bigints as strings (JSON has none); everything else as decoded. */
/** The running kernel's BTF, when there is one to resolve CO-RE relocations against. */
function defaultTargetBtf(): Btf | undefined {
  return existsSync('/sys/kernel/btf/vmlinux') ? loadKernelBtf() : undefined;
}

/**
 * Each CO-RE relocation of a program (its own and its callees'), resolved on a copy of the
 * instructions against the target BTF: "offset 2552 -> 2560", or why it would be poisoned.
 */
function describeCoreRelocations(
  spec: ObjectSpec,
  program: ProgramSpec,
  targetBtf: () => Btf | undefined,
): InspectReport['programs'][number]['coreRelocations'] {
  const local = specBtf(spec);
  const callable = new Map([...spec.programs, ...spec.functions].map((f) => [f.name, f]));
  const linked = linkProgram(program, (name) => callable.get(name));
  if (!local || linked.coreRelocations.length === 0) return [];
  const target = targetBtf();
  let results: CoreRelocationResult[] = [];
  let failure = '';
  if (target) {
    try {
      results = relocateCore(linked.instructions, linked.coreRelocations, local, target, {
        program: program.name,
      });
    } catch (error) {
      failure = (error as Error).message;
    }
  }
  return linked.coreRelocations.map((relocation, i) => {
    const result = results[i];
    const describe = (value: bigint | undefined) => (value === undefined ? '-' : String(value));
    return {
      instruction: relocation.instruction,
      kind: coreReloKindName(relocation.kind),
      access: result?.accessPath ?? `type ${relocation.typeId} access ${relocation.accessString}`,
      local: describe(result?.local.value),
      target: !target
        ? 'no target BTF'
        : !result
          ? failure || 'unresolved'
          : result.poisoned
            ? `poisoned: ${result.poisonReason ?? 'no match'}`
            : describe(result.target.value),
    };
  });
}

function jsonValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function sectionFlags(flags: bigint): string {
  return (flags & 1n ? 'W' : '') + (flags & 2n ? 'A' : '') + (flags & 4n ? 'X' : '');
}

function describeMap(map: MapSpec, spec: ObjectSpec): InspectReport['maps'][number] {
  const btf = specBtf(spec);
  const typeName = (id: number | undefined) => (btf && id ? btf.formatType(id) : undefined);
  const keyType = typeName(map.btfKeyTypeId);
  const valueType = typeName(map.btfValueTypeId ?? (map.structOps ? map.source.btfTypeId : undefined));
  return {
    ...(keyType ? { keyType } : {}),
    ...(valueType ? { valueType } : {}),
    ...(map.structOps ? { structOps: describeStructOps(map) } : {}),
    name: map.name,
    format: map.source.format,
    section: map.source.section,
    type: mapTypeName(map.type),
    keySize: map.keySize,
    valueSize: map.valueSize,
    maxEntries: map.maxEntries,
    flags: map.flags,
    pinning: map.pinning.kind === 'path' ? map.pinning.path : map.pinning.kind,
    extraBytes: map.extra?.length ?? 0,
  };
}

function describeStructOps(map: MapSpec): NonNullable<InspectReport['maps'][number]['structOps']> {
  const structOps = map.structOps!;
  return {
    type: `struct ${structOps.typeName}`,
    link: (map.flags & MapFlag.LINK) !== 0,
    programs: Object.fromEntries(structOps.members.flatMap((m) => (m.program ? [[m.name, m.program]] : []))),
  };
}

export function describeRelocation(r: ProgramRelocation): string {
  switch (r.kind) {
    case 'map-fd':
      return `insn ${r.instruction}: map ${r.map}`;
    case 'map-value':
      return `insn ${r.instruction}: map value ${r.map}+${r.offset}`;
    case 'call':
      return `insn ${r.instruction}: call ${r.function}`;
    case 'func-pointer':
      return `insn ${r.instruction}: callback ${r.function}`;
    case 'extern':
      return `insn ${r.instruction}: extern ${r.name}${r.offset ? `+${r.offset}` : ''}`;
  }
}

export function renderInspect(report: InspectReport): string {
  const out: string[] = [];
  out.push(`object ${report.object} (${report.byteOrder}-endian), license "${report.license}"`);
  out.push(...report.decisions.map((d) => `  ${d}`));
  out.push('', 'sections:');
  out.push(
    indent(
      formatTable(
        ['idx', 'name', 'type', 'size', 'flags'],
        report.sections.map((s) => [s.index, s.name, s.type, s.size, s.flags]),
      ),
    ),
  );
  out.push('', 'programs:');
  out.push(
    indent(
      formatTable(
        ['name', 'section', 'type', 'attach', 'insns', 'autoload'],
        report.programs.map((p) => [
          p.name,
          p.section,
          p.type,
          p.expectedAttachType || '-',
          p.instructions,
          p.autoload ? 'yes' : 'no',
        ]),
      ),
    ),
  );
  if (report.functions.length > 0) {
    out.push('', 'functions:');
    out.push(
      indent(
        formatTable(
          ['name', 'section', 'insns', 'linkage'],
          report.functions.map((f) => [f.name, f.section, f.instructions, f.global ? 'global' : 'static']),
        ),
      ),
    );
  }
  out.push('', 'maps:');
  out.push(
    indent(
      formatTable(
        ['name', 'format', 'type', 'key', 'value', 'max', 'flags', 'pinning'],
        report.maps.map((m) => [
          m.name,
          m.format,
          m.type,
          m.keyType ? `${m.keySize} (${m.keyType})` : m.keySize,
          m.valueType ? `${m.valueSize} (${m.valueType})` : m.valueSize,
          m.maxEntries,
          `0x${m.flags.toString(16)}`,
          m.pinning,
        ]),
      ),
    ),
  );
  const structOps = report.maps.filter((m) => m.structOps);
  if (structOps.length > 0) {
    out.push('', 'struct_ops (registered by attachStructOps):');
    for (const m of structOps) {
      const how = m.structOps!.link ? 'through a BPF link' : 'by map update';
      out.push(`  ${m.name}: ${m.structOps!.type}, ${how}`);
      for (const [member, program] of Object.entries(m.structOps!.programs))
        out.push(`    .${member} = ${program}`);
    }
  }
  if (report.variables.length > 0) {
    out.push('', 'global variables:');
    out.push(
      indent(
        formatTable(
          ['name', 'map', 'type', 'offset', 'initial value'],
          report.variables.map((v) => [v.name, v.map, v.type, v.offset, JSON.stringify(v.initialValue)]),
        ),
      ),
    );
  }
  const core = report.programs.flatMap((p) =>
    p.coreRelocations.map((r) => [p.name, r.instruction, r.kind, r.access, r.local, r.target]),
  );
  if (core.length > 0) {
    out.push('', 'CO-RE relocations (local value -> value on the target BTF):');
    out.push(indent(formatTable(['program', 'insn', 'kind', 'access', 'local', 'target'], core)));
  }
  out.push('', 'relocations:');
  for (const p of [...report.programs, ...report.functions]) {
    for (const r of p.relocations) out.push(`  ${p.name} ${r}`);
  }
  return out.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
