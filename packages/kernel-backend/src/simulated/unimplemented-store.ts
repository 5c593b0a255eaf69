import { mapTypeName } from '@bpfkit/core';
import { Errno } from '../errno.js';
import { SimFault } from './fault.js';
import type { MapStore } from './map-store.js';

/**
 * A map type the simulated kernel can create but whose element semantics it does not model
 * (ring buffers, queues, sockmaps...): every element operation answers ENOTSUPP.
 */
export class UnimplementedStore implements MapStore {
  readonly typeName: string;
  constructor(type: number) {
    this.typeName = mapTypeName(type);
  }
  get size(): number {
    return 0;
  }
  lookup(): Uint8Array | undefined {
    throw new SimFault(Errno.ENOTSUPP);
  }
  update(): void {
    throw new SimFault(Errno.ENOTSUPP);
  }
  delete(): boolean {
    throw new SimFault(Errno.ENOTSUPP);
  }
  nextKey(): Uint8Array | undefined {
    throw new SimFault(Errno.ENOTSUPP);
  }
}
