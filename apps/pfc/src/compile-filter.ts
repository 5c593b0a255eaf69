import { ObjectBuilder } from '@bpfkit/asm';
import { MapType, type ObjectSpec, withContext } from '@bpfkit/core';
import type { FilterNode } from './ast.js';
import { buildCountFunction, buildFilterProgram, COUNT_FUNCTION, COUNTERS_MAP } from './codegen.js';
import { lowerFilter } from './lower.js';
import type { PacketAccess } from './packet-access.js';
import { parseFilter } from './parser.js';
import { socketAccess } from './socket-access.js';
import { xdpAccess } from './xdp-access.js';

/** 'xdp': an XDP program on Ethernet frames; 'socket': a socket filter (SO_ATTACH_BPF). */
export type FilterTarget = 'xdp' | 'socket';

export interface CompileFilterOptions {
  /** default 'xdp' */
  target?: FilterTarget;
  /** the object's name; default 'pfc' */
  name?: string;
}

const accessByTarget: Readonly<Record<FilterTarget, PacketAccess>> = { xdp: xdpAccess, socket: socketAccess };

/** The name of the program compileFilter() writes for a target: 'pfc_xdp' or 'pfc_socket'. */
export function filterProgramName(target: FilterTarget): string {
  return accessByTarget[target].programName;
}

/**
 * Compiles a pcap-filter expression into an object with one program (pass or drop per packet),
 * a `pfc_count` subprogram and the `pfc_counters` map (ARRAY of 2 u64: passed, dropped). The
 * object is plain data: load it with createLoader().load(spec), like one read from ELF.
 */
export function compileFilter(expression: string, options: CompileFilterOptions = {}): ObjectSpec {
  return compileFilterTree(parseFilter(expression), options);
}

/** compileFilter() for an expression already parsed (or built in code). */
export function compileFilterTree(tree: FilterNode, options: CompileFilterOptions = {}): ObjectSpec {
  const target = options.target ?? 'xdp';
  const access = accessByTarget[target];
  const name = options.name ?? 'pfc';
  return withContext('compile filter', { object: name, program: access.programName }, () => {
    const object = new ObjectBuilder(name, { license: 'GPL' });
    object.addMap({ name: COUNTERS_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 });
    object.addFunction(COUNT_FUNCTION, buildCountFunction());
    object.addProgram(access.programName, access.section, buildFilterProgram(lowerFilter(tree), access));
    return object.build();
  });
}
