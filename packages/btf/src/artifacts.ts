import { artifactKey } from '@bpfkit/core';
import type { Btf } from './btf.js';
import type { BtfExt } from './btf-ext.js';

/** Where the open pipeline leaves the object's parsed .BTF for later stages. */
export const ObjectBtfArtifact = artifactKey<Btf>('object BTF');
/** Where the open pipeline leaves the object's parsed .BTF.ext. */
export const ObjectBtfExtArtifact = artifactKey<BtfExt>('object BTF.ext');
