import { UsageError } from '@bpfkit/core';
import type { TcxDirection } from '@bpfkit/kernel-backend';
import { DEFAULT_BPFFS_ROOT } from '@bpfkit/maps-iproute2';

/** How the classifier attaches: a tcx link, or a cls_bpf filter made through rtnetlink. */
export type TcMode = 'tcx' | 'netlink';

/**
 * The priority (tc's "pref") of a filter bpfkit-tc adds: the first, so that it runs before the
 * filters tc adds with its automatic priorities (49152 and down), as a tcx link runs before them all.
 */
export const NETLINK_PRIORITY = 1;

export const USAGE = `usage: bpfkit-tc filter add dev IFACE (ingress|egress) bpf obj FILE [sec SECTION] [pin-root DIR] [--tc-mode tcx|netlink] [--json]
       bpfkit-tc filter del dev IFACE (ingress|egress) [pin-root DIR] [--json]

add  loads an iproute2 object (struct bpf_elf_map in SEC("maps"), tail calls in "ID/KEY"
     sections), pins its maps where tc would (tc/globals, tc/<sha1>) and attaches the classifier
     (section "classifier" unless sec says otherwise) so that it stays attached after bpfkit-tc
     exits: with a tcx link pinned at <pin root>/tc/links/IFACE-DIRECTION (Linux 6.6), or, where
     the kernel has no tcx or --tc-mode netlink says so, as tc does: a clsact qdisc and a cls_bpf
     filter in direct-action mode (pref ${NETLINK_PRIORITY}), its program pinned at
     <pin root>/tc/links/IFACE-DIRECTION-cls_bpf
del  detaches what add attached (the link, or the filter) and removes its pin (pinned maps stay,
     as with tc)

pin-root is the bpffs mount (default ${DEFAULT_BPFFS_ROOT}); "da" / "direct-action" are accepted
(every bpfkit-tc classifier acts directly).
exit codes: 0 ok, 1 the kernel refused, 2 bad input or usage`;

/** The default program section, as for `tc ... bpf obj FILE` without `sec`. */
export const DEFAULT_SECTION = 'classifier';

export type TcCommand =
  | { kind: 'help' }
  | {
      kind: 'add';
      device: string;
      direction: TcxDirection;
      object: string;
      section: string;
      pinRoot: string;
      /** absent: tcx where the kernel has it, netlink otherwise */
      mode?: TcMode;
      json: boolean;
    }
  | { kind: 'del'; device: string; direction: TcxDirection; pinRoot: string; json: boolean };

/** Reads tc-style words (`filter add dev veth0 ingress bpf obj x.o sec classifier`) into a command. */
export function parseTcArgs(argv: readonly string[]): TcCommand {
  const json = argv.includes('--json');
  const { mode, rest: words } = takeMode(argv.filter((w) => w !== '--json'));
  if (words.length === 0 || words.some((w) => w === '-h' || w === '--help' || w === 'help')) {
    return { kind: 'help' };
  }
  const [object, verb, ...rest] = words;
  if (object !== 'filter') {
    throw new UsageError(`unknown object ${object}`, {
      hint: 'bpfkit-tc knows only "filter add" and "filter del"',
    });
  }
  if (verb !== 'add' && verb !== 'del') {
    throw new UsageError(verb === undefined ? 'filter needs add or del' : `unknown filter command ${verb}`, {
      hint: 'bpfkit-tc filter add ... | bpfkit-tc filter del ...',
    });
  }
  const found = readWords(rest, verb);
  const device = required(found.dev, 'dev IFACE', verb);
  const direction = required(found.direction, 'ingress or egress', verb);
  const pinRoot = found['pin-root'] ?? DEFAULT_BPFFS_ROOT;
  if (verb === 'del') {
    if (mode)
      throw new UsageError('--tc-mode applies to filter add', { hint: 'filter del finds out from the pin' });
    return { kind: 'del', device, direction, pinRoot, json };
  }
  if (!found.bpf) throw new UsageError('filter add needs "bpf obj FILE"', { hint: USAGE.split('\n')[0] });
  const file = required(found.obj, 'obj FILE', verb);
  return {
    kind: 'add',
    device,
    direction,
    object: file,
    section: found.sec ?? DEFAULT_SECTION,
    pinRoot,
    ...(mode ? { mode } : {}),
    json,
  };
}

/** `--tc-mode tcx|netlink` (or `--tc-mode=...`), anywhere among the words. */
function takeMode(words: readonly string[]): { mode?: TcMode; rest: string[] } {
  const rest: string[] = [];
  let mode: TcMode | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word !== '--tc-mode' && !word.startsWith('--tc-mode=')) {
      rest.push(word);
      continue;
    }
    const value = word === '--tc-mode' ? words[++i] : word.slice('--tc-mode='.length);
    if (value !== 'tcx' && value !== 'netlink') {
      throw new UsageError(`--tc-mode needs tcx or netlink${value ? `, not ${value}` : ''}`);
    }
    mode = value;
  }
  return mode ? { mode, rest } : { rest };
}

type ValueWord = 'dev' | 'obj' | 'sec' | 'pin-root';
const valueWords: Record<'add' | 'del', readonly ValueWord[]> = {
  add: ['dev', 'obj', 'sec', 'pin-root'],
  del: ['dev', 'pin-root'],
};

interface FoundWords extends Partial<Record<ValueWord, string>> {
  direction?: TcxDirection;
  bpf?: boolean;
}

function readWords(words: readonly string[], verb: 'add' | 'del'): FoundWords {
  const found: FoundWords = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === 'ingress' || word === 'egress') {
      if (found.direction && found.direction !== word)
        throw new UsageError('choose one of ingress and egress');
      found.direction = word;
    } else if (verb === 'add' && word === 'bpf') {
      found.bpf = true;
    } else if (verb === 'add' && (word === 'da' || word === 'direct-action')) {
      // tcx has no classic mode: every program returns its action.
    } else if ((valueWords[verb] as readonly string[]).includes(word)) {
      const value = words[++i];
      if (value === undefined || value === '') throw new UsageError(`${word} needs a value`);
      found[word as ValueWord] = value;
    } else {
      throw new UsageError(`unexpected argument ${word}`, {
        hint: USAGE.split('\n')[verb === 'add' ? 0 : 1]!.trim(),
      });
    }
  }
  return found;
}

function required<T>(value: T | undefined, what: string, verb: string): T {
  if (value === undefined) throw new UsageError(`filter ${verb} needs ${what}`);
  return value;
}
