import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineEntries, type ObjectSpec } from '@bpfkit/core';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { linkObjects } from './link-objects.js';

// Linking one object alone must change nothing a loader sees: every compiled fixture of this
// repository (clang, both byte orders, and bpf-gcc) and xdp-tools' prebuilt objects, nobody's here.
const root = new URL('../../../', import.meta.url).pathname;
const XDP_TOOLS = '/usr/lib/x86_64-linux-gnu/bpf';

function objectsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.o'))
    .sort()
    .map((file) => join(dir, file));
}

const fixtureDirs = [
  'fixtures',
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((name) => [
      `${group}/${name}/src/fixtures`,
      `${group}/${name}/fixtures`,
    ]),
  ),
];
const objects = [...fixtureDirs.flatMap((dir) => objectsIn(join(root, dir))), ...objectsIn(XDP_TOOLS)];

/** What open produced, without what may move when linking: section indices, BTF ids, string offsets. */
function comparable(spec: ObjectSpec): string {
  return JSON.stringify(
    { programs: spec.programs, functions: spec.functions, maps: spec.maps },
    (key, value) => {
      if (/Offset$|[tT]ypeId$|VarId$|^sectionIndex$|^btf$/.test(key)) return undefined;
      // func_info marks hold BTF FUNC ids: where they are is kept, which ids they are is not
      if (key === 'funcInfo') return value.ids;
      // line_info marks hold string offsets too: which instruction starts which line is kept
      if (key === 'lineInfo') return lineEntries(value).map(([id, { line, column }]) => [id, line, column]);
      if (typeof value === 'bigint') return `${value}n`;
      if (value instanceof Uint8Array) return Array.from(value);
      return value;
    },
  );
}

function openOutcome(bytes: Uint8Array): string {
  try {
    return comparable(createLoader().open(bytes, { name: 'object.o' }));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('linking a single object', () => {
  it('finds the objects to check', () => {
    expect(objects.length).toBeGreaterThan(40);
  });

  it.each(objects.map((path) => [path.startsWith(root) ? path.slice(root.length) : path, path]))(
    '%s opens to the same programs, functions and maps after linking',
    (_label, path) => {
      const bytes = new Uint8Array(readFileSync(path));
      const linked = linkObjects([{ name: 'object.o', bytes }]);
      expect(openOutcome(linked)).toBe(openOutcome(bytes));
    },
  );
});
