import { fileURLToPath } from 'node:url';

/** A bundled fixture object (the repository's fixtures/ folder). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}
