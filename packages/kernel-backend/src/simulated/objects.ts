import type { LinkCreateAttr, MapCreateAttr, ProgLoadAttr } from '../backend.js';
import type { MapStore } from './map-store.js';

/**
 * A kernel object of the simulated kernel. It lives while something holds it: an open fd, a pin,
 * a map slot (prog array, map-in-map) or a program that uses it; then its id stops resolving.
 */
interface SimObjectBase {
  id: number;
  refs: number;
}

export interface SimMap extends SimObjectBase {
  kind: 'map';
  /** the attr as given, name as the kernel stores it */
  attr: MapCreateAttr;
  name: string;
  valueBytes: number;
  store: MapStore;
  frozen: boolean;
}

export interface SimProgram extends SimObjectBase {
  kind: 'program';
  attr: ProgLoadAttr;
  name: string;
  tag: string;
  mapIds: number[];
  loadTime: bigint;
  /** func_info[0].type_id, for the program's full name */
  funcTypeId?: number;
}

export interface SimBtf extends SimObjectBase {
  kind: 'btf';
  data: Uint8Array;
}

/** A link (BPF_LINK_CREATE or BPF_RAW_TRACEPOINT_OPEN): holds its program until released. */
export interface SimLink extends SimObjectBase {
  kind: 'link';
  /** the attr as given; raw tracepoints record attachType 0 and the name in `what` */
  attr: LinkCreateAttr;
  program: SimProgram;
  detached: boolean;
  /** the tracepoint of a RAW_TRACEPOINT_OPEN link */
  rawTracepoint?: string;
}

export type SimObject = SimMap | SimProgram | SimBtf | SimLink;
