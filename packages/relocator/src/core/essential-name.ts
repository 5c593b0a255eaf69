/**
 * Length of a type or field name without its "___flavor" suffix, as libbpf's
 * bpf_core_essential_name_len: the last "X___Y" (X and Y not '_') ends the essential part, so
 * `task_struct___v1` and `task_struct` are candidates for each other.
 */
export function essentialNameLength(name: string): number {
  const n = name.length;
  for (let i = n - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== 0x5f &&
      name.charCodeAt(i + 1) === 0x5f &&
      name.charCodeAt(i + 2) === 0x5f &&
      name.charCodeAt(i + 3) === 0x5f &&
      name.charCodeAt(i + 4) !== 0x5f
    ) {
      return i + 1;
    }
  }
  return n;
}

/** The name without its flavor suffix. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

/** True when two names are equal once their flavor suffixes are dropped. */
export function essentialNamesEqual(a: string, b: string): boolean {
  const length = essentialNameLength(a);
  return length === essentialNameLength(b) && a.startsWith(b.slice(0, length));
}
