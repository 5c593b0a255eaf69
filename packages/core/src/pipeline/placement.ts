import { UsageError } from '../errors.js';

/**
 * Where a plugin puts its stage in an ordered list of stages (map collectors, spec transforms,
 * attachers). Lists are asked in order and the first taker wins, so 'first' (the default) lets a
 * plugin take over what a default stage would have done.
 */
export type Placement = 'first' | 'last' | { before: string } | { after: string } | { instead: string };

/**
 * A new list with `item` placed; `nameOf` names the list's stages (a collector's format, an
 * attacher's name). An item of the same name as `item` is dropped first, so placing twice is
 * idempotent. Naming a stage the list does not have is a UsageError that lists the names it has.
 */
export function placeStage<T>(
  list: readonly T[],
  item: T,
  placement: Placement,
  nameOf: (stage: T) => string,
): T[] {
  const rest = list.filter((stage) => nameOf(stage) !== nameOf(item));
  if (placement === 'first') return [item, ...rest];
  if (placement === 'last') return [...rest, item];
  const [where, anchor] = Object.entries(placement)[0] as ['before' | 'after' | 'instead', string];
  const at = rest.findIndex((stage) => nameOf(stage) === anchor);
  if (at < 0) {
    throw new UsageError(`cannot place stage ${nameOf(item)} ${where} ${anchor}: no stage has that name`, {
      hint: `stages here: ${rest.map(nameOf).join(', ') || '(none)'}`,
    });
  }
  const head = rest.slice(0, where === 'after' ? at + 1 : at);
  const tail = rest.slice(where === 'before' ? at : at + 1);
  return [...head, item, ...tail];
}
