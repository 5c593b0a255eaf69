import type { Btf } from '@bpfkit/btf';

/** The members libbpf's parse_btf_map_def knows. */
const KNOWN_MEMBERS = [
  'type',
  'max_entries',
  'map_flags',
  'numa_node',
  'map_extra',
  'key_size',
  'value_size',
  'key',
  'value',
  'values',
  'pinning',
];
const KNOWN_BYTES = KNOWN_MEMBERS.map((name) => Uint8Array.from(name, (c) => c.charCodeAt(0)));
const LONGEST = Math.max(...KNOWN_MEMBERS.map((name) => name.length));
/** The known members of each name length: one for most lengths, three for nine. */
const KNOWN_OF_LENGTH: number[][] = Array.from({ length: LONGEST + 1 }, (_, length) =>
  KNOWN_MEMBERS.flatMap((name, index) => (name.length === length ? [index] : [])),
);

/**
 * The known member name at BTF string offset `nameOffset`, compared in the string table's bytes
 * rather than decoded (an open reads four or five members a map), and returned as the literal
 * above, so that a `switch` over it compares pointers. Undefined for any other name. A name in a
 * base BTF's strings, or an offset past the table, goes through btf.name (which throws the located
 * error for a bad offset).
 */
export function knownMemberName(btf: Btf, nameOffset: number): string | undefined {
  const local = nameOffset - btf.stringsBase;
  const strings = btf.stringBytes;
  if (local < 0 || local >= strings.length) {
    const name = btf.name(nameOffset);
    return KNOWN_MEMBERS.find((known) => known === name);
  }
  // a known name is at most LONGEST bytes: stop one past that or at the NUL (the table ends in one,
  // checked at parse, and a read past it is undefined, not 0: LONGEST still stops the scan)
  let length = 0;
  while (length <= LONGEST && strings[local + length] !== 0) length++;
  const candidates = KNOWN_OF_LENGTH[length];
  if (candidates === undefined) return undefined;
  for (let c = 0; c < candidates.length; c++) {
    const index = candidates[c]!;
    const known = KNOWN_BYTES[index]!;
    let i = 0;
    while (i < length && strings[local + i] === known[i]) i++;
    if (i === length) return KNOWN_MEMBERS[index];
  }
  return undefined;
}
