import type { ObjectSpec } from '../spec/object.js';
import type { MapCollector, ObjectReader, OpenContext, ProgramCollector } from './open-stages.js';
import type { Stage } from './stage.js';
import { token } from './token.js';

/**
 * The tokens of the open phase's replaceable stages. The load and attach phases name theirs in the
 * packages that own their types (the loader's `LoadTokens`), since core knows no kernel. Only the
 * loader's composition root resolves them; a plugin re-registers one in a child container.
 */
export const Tokens = {
  /** bytes -> ObjectFileView */
  ObjectReader: token<ObjectReader>('object reader'),
  /** the ordered map-definition formats; the first that claims a section owns it */
  MapCollectors: token<readonly MapCollector[]>('map collectors'),
  /** executable sections -> programs and functions with symbolic relocations */
  ProgramCollector: token<ProgramCollector>('program collector'),
  /** open-time stages run in order after collection */
  SpecTransforms: token<readonly Stage<ObjectSpec, ObjectSpec, OpenContext>[]>('spec transforms'),
} as const;
