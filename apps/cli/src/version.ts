import { readFileSync } from 'node:fs';

/** The version in this package's package.json (src/ and dist/ both sit one level below it). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return manifest.version;
}
