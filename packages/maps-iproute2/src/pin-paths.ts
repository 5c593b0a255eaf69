import { createHash } from 'node:crypto';
import { MapDefinitionError, type MapPinning } from '@bpfkit/core';
import { Iproute2Pinning } from './elf-map-definition.js';

/** tc's directory under the bpffs mount; iproute2 links xdp/ and ip/ to it. */
export const TC_DIR = 'tc';
/** BPF_DIR_GLOBALS: where PIN_GLOBAL_NS maps live, shared by every object. */
export const GLOBALS_DIR = 'globals';

/** What iproute2 names a PIN_OBJECT_NS directory after: the SHA-1 of the object file, in hex. */
export function objectUid(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export interface PinPathInputs {
  /** object name for messages */
  object: string;
  /** hex SHA-1 of the object file (computed only when a map needs it) */
  objectUid: () => string;
  /** custom pinning ids (bpf_pinning), read only when a map needs them */
  customPaths: () => ReadonlyMap<number, string>;
  /** the bpf_pinning file, named in errors */
  pinningFile: string;
}

/**
 * iproute2's bpf_make_pathname as a path RELATIVE to the pin root, so the loader joins it with
 * its pinRoot option: tc/<sha1>/<name>, tc/globals/<name>, or <subpath>/<name> for custom ids
 * (iproute2 writes "<tc dir>/../<subpath>", which is the same place).
 */
export function elfMapPinning(name: string, pinning: number, inputs: PinPathInputs): MapPinning {
  switch (pinning) {
    case Iproute2Pinning.NONE:
      return { kind: 'none' };
    case Iproute2Pinning.OBJECT_NS:
      return { kind: 'path', path: `${TC_DIR}/${inputs.objectUid()}/${name}` };
    case Iproute2Pinning.GLOBAL_NS:
      return { kind: 'path', path: `${TC_DIR}/${GLOBALS_DIR}/${name}` };
  }
  const subpath = inputs.customPaths().get(pinning);
  if (subpath === undefined) {
    throw new MapDefinitionError(`pinning id ${pinning} is not listed in ${inputs.pinningFile}`, {
      location: { object: inputs.object, map: name, field: 'pinning' },
      hint: `add a line "${pinning} <subpath>" to ${inputs.pinningFile}, or set the iproute2.pinningFile option`,
    });
  }
  return { kind: 'path', path: `${subpath}/${name}` };
}
