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

/**
 * What `bpfkit inspect --json` prints. Field names are bpftool's where bpftool prints the same
 * thing (`bpftool map show`: bytes_key, bytes_value, max_entries, flags; `bpftool btf dump`:
 * type_id, offset, size), the kernel's bpf_attr names where bpftool has none (insn_cnt,
 * expected_attach_type), and snake_case otherwise, like `prog show` and `map show`.
 */
export interface InspectReport {
  object: string;
  /** what the open phase decided (which format read which section) */
  decisions: string[];
  byte_order: string;
  license: string;
  /** the "version" section (libbpf's kern_version), 0 when absent */
  kern_version: number;
  sections: { index: number; name: string; type: string; size: number; flags: string }[];
  programs: {
    name: string;
    section: string;
    type: string;
    expected_attach_type: string;
    attach_target: string;
    insn_cnt: number;
    autoload: boolean;
    relocations: string[];
    /** CO-RE relocations: the access clang recorded, and what it resolves to on the target BTF */
    core_relocations: { insn_idx: number; kind: string; access: string; local: string; target: string }[];
  }[];
  functions: {
    name: string;
    section: string;
    insn_cnt: number;
    global: boolean;
    relocations: string[];
  }[];
  maps: {
    name: string;
    format: string;
    section: string;
    type: string;
    bytes_key: number;
    bytes_value: number;
    max_entries: number;
    flags: number;
    pinning: string;
    /** bytes of the map definition beyond the fields bpfkit reads (legacy formats) */
    extra_bytes: number;
    /** C types of key and value, from BTF */
    key_type?: string;
    value_type?: string;
    /** struct_ops maps: the kernel struct they fill and the program behind each function pointer */
    struct_ops?: { type: string; link: boolean; programs: Record<string, string> };
  }[];
  variables: {
    name: string;
    map: string;
    type: string;
    offset: number;
    size: number;
    initial_value: unknown;
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
    byte_order: spec.byteOrder,
    license: spec.license,
    kern_version: spec.kernelVersion,
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
      expected_attach_type: p.expectedAttachType ? attachTypeName(p.expectedAttachType) : '',
      attach_target: p.attachTarget,
      insn_cnt: instructionCount(p.instructions),
      autoload: p.autoload,
      relocations: streamReferences(p.instructions).map(describeRelocation),
      core_relocations: describeCoreRelocations(spec, p, target),
    })),
    functions: spec.functions.map((f) => ({
      name: f.name,
      section: f.section,
      insn_cnt: instructionCount(f.instructions),
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
      initial_value: jsonValue(getVariable(spec, v.name)),
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
): InspectReport['programs'][number]['core_relocations'] {
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
      insn_idx: relocation.instruction,
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
    ...(keyType ? { key_type: keyType } : {}),
    ...(valueType ? { value_type: valueType } : {}),
    ...(map.structOps ? { struct_ops: describeStructOps(map) } : {}),
    name: map.name,
    format: map.source.format,
    section: map.source.section,
    type: mapTypeName(map.type),
    bytes_key: map.keySize,
    bytes_value: map.valueSize,
    max_entries: map.maxEntries,
    flags: map.flags,
    pinning: map.pinning.kind === 'path' ? map.pinning.path : map.pinning.kind,
    extra_bytes: map.extra?.length ?? 0,
  };
}

function describeStructOps(map: MapSpec): NonNullable<InspectReport['maps'][number]['struct_ops']> {
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
  out.push(`object ${report.object} (${report.byte_order}-endian), license "${report.license}"`);
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
          p.expected_attach_type || '-',
          p.insn_cnt,
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
          report.functions.map((f) => [f.name, f.section, f.insn_cnt, f.global ? 'global' : 'static']),
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
          m.key_type ? `${m.bytes_key} (${m.key_type})` : m.bytes_key,
          m.value_type ? `${m.bytes_value} (${m.value_type})` : m.bytes_value,
          m.max_entries,
          `0x${m.flags.toString(16)}`,
          m.pinning,
        ]),
      ),
    ),
  );
  const structOps = report.maps.filter((m) => m.struct_ops);
  if (structOps.length > 0) {
    out.push('', 'struct_ops (registered by attachStructOps):');
    for (const m of structOps) {
      const how = m.struct_ops!.link ? 'through a BPF link' : 'by map update';
      out.push(`  ${m.name}: ${m.struct_ops!.type}, ${how}`);
      for (const [member, program] of Object.entries(m.struct_ops!.programs))
        out.push(`    .${member} = ${program}`);
    }
  }
  if (report.variables.length > 0) {
    out.push('', 'global variables:');
    out.push(
      indent(
        formatTable(
          ['name', 'map', 'type', 'offset', 'initial value'],
          report.variables.map((v) => [v.name, v.map, v.type, v.offset, JSON.stringify(v.initial_value)]),
        ),
      ),
    );
  }
  const core = report.programs.flatMap((p) =>
    p.core_relocations.map((r) => [p.name, r.insn_idx, r.kind, r.access, r.local, r.target]),
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
