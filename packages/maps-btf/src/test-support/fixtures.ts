// Fixture objects and an open context for the tests.
import { readFileSync } from 'node:fs';
import { Artifacts, type LoaderEvent, type OpenContext, type OpenOptions } from '@bpfkit/core';
import { type ElfFile, readElf } from '@bpfkit/elf-reader';

export const fixturePath = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

export function loadFixture(name: string): ElfFile {
  return readElf(readFileSync(fixturePath(name)), name);
}

export function section(file: ElfFile, name: string) {
  const found = file.sections.find((s) => s.name === name);
  if (!found) throw new Error(`fixture has no section ${name}`);
  return found;
}

/** An OpenContext whose events are collected in `events`. */
export function openContext(
  options: OpenOptions = {},
  objectName = 'test',
): OpenContext & { events: { list: LoaderEvent[] } } {
  const list: LoaderEvent[] = [];
  return {
    objectName,
    options,
    artifacts: new Artifacts(),
    bytes: new Uint8Array(),
    events: { list, emit: (event) => list.push(event) },
  };
}

/** u32 little-endian bytes, as slot keys are written. */
export const u32le = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};
