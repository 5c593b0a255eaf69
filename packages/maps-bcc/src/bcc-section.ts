import { MapDefinitionError } from '@bpfkit/core';

/** The prefix of every BCC table section: `maps/<type>`. */
export const BCC_SECTION_PREFIX = 'maps/';

/** What a BCC table section name says: `maps/<type>[$<inner map>][:<pin path>]`. */
export interface BccSectionName {
  /** the table type as BCC spells it: "hash", "prog", "perf_output", "array_of_maps", ... */
  tableType: string;
  /** BPF_TABLE_PINNED's path, kept as written (absolute paths stay absolute) */
  pinPath?: string;
  /** BPF_ARRAY_OF_MAPS / BPF_HASH_OF_MAPS: the table whose layout the inner maps take */
  innerMap?: string;
}

export function isBccSection(name: string): boolean {
  return name.startsWith(BCC_SECTION_PREFIX) && name.length > BCC_SECTION_PREFIX.length;
}

/**
 * Splits a section name the way BCC's frontend (BTypeVisitor::VisitVarDecl) does: the pin path
 * follows the first ':', then an inner map name follows '$' in what is left.
 */
export function parseBccSection(name: string): BccSectionName {
  if (!isBccSection(name)) {
    throw new MapDefinitionError(`section ${name} is not a BCC table section`, {
      location: { section: name },
      hint: `BCC tables live in sections named ${BCC_SECTION_PREFIX}<type>`,
    });
  }
  let rest = name.slice(BCC_SECTION_PREFIX.length);
  const result: BccSectionName = { tableType: '' };
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const pinPath = rest.slice(colon + 1);
    if (pinPath === '') {
      throw new MapDefinitionError('the pin path after ":" is empty', {
        location: { section: name },
        hint: 'BPF_TABLE_PINNED needs a path, e.g. "/sys/fs/bpf/my_table"',
      });
    }
    result.pinPath = pinPath;
    rest = rest.slice(0, colon);
  }
  const dollar = rest.indexOf('$');
  if (dollar >= 0) {
    result.innerMap = rest.slice(dollar + 1);
    rest = rest.slice(0, dollar);
  }
  result.tableType = rest;
  return result;
}
