import { type SectionDefinition, sectionDefinitions } from './section-definitions.js';

/** "kprobe+" -> "kprobe", "sk_skb/stream_parser" -> "sk_skb": the word a SEC() name starts with. */
function firstWord(pattern: string): string {
  return pattern.replace(/[+/].*$/, '');
}

/**
 * The SEC() names to offer for a section the table does not know: the names whose first word
 * begins it ("sk_skb1" -> sk_skb, sk_skb/stream_parser, ...; "xdp_redirect_to_111" -> xdp, ...),
 * or, when none does, every first word of the table. Written as libbpf spells them, less the '+'.
 */
export function knownSectionPrefixes(
  section: string,
  definitions: readonly SectionDefinition[] = sectionDefinitions,
): string[] {
  const name = section.replace(/^\?/, '');
  const near = definitions
    .filter((d) => name.startsWith(firstWord(d.pattern)))
    .map((d) => d.pattern.replace(/\+$/, ''));
  if (near.length > 0) return [...new Set(near)];
  return [...new Set(definitions.map((d) => firstWord(d.pattern)))].sort();
}
