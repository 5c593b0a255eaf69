// Shared by this package's tests: the fixture objects and linking them.
import { readFileSync } from 'node:fs';
import type { LinkInput } from './input-object.js';
import { linkObjects } from './link-objects.js';

export const fixturesDir = new URL('../fixtures/', import.meta.url).pathname;
export type Order = 'bpfel' | 'bpfeb';

export function fixturePath(name: string, order: Order = 'bpfel'): string {
  return `${fixturesDir}${name}.${order}.o`;
}

export function fixture(name: string, order: Order = 'bpfel'): LinkInput {
  return { name: `${name}.${order}.o`, bytes: new Uint8Array(readFileSync(fixturePath(name, order))) };
}

export function linkFixtures(names: readonly string[], order: Order = 'bpfel'): Uint8Array {
  return linkObjects(names.map((name) => fixture(name, order)));
}
