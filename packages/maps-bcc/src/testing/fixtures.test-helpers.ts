import { readFileSync } from 'node:fs';
import type { EventSink, LoaderEvent, ObjectFileView, SectionView } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { type KernelBackend, SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';
import { bccPlugin } from '../plugin.js';

/** Bytes of an object in this package's fixtures/. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

export function fixtureFile(name: string): ObjectFileView {
  return readElf(fixtureBytes(name), name);
}

/** The bespoke loader of the README: the default pipeline with the BCC plugin. */
export function bccLoader(backend: KernelBackend = new SimulatedKernel()) {
  return createLoader({ backend, plugins: [bccPlugin()] });
}

/** A copy of a file view whose sections are renamed or dropped by `edit` (undefined drops). */
export function editSections(
  file: ObjectFileView,
  edit: (section: SectionView) => SectionView | undefined,
): ObjectFileView {
  const sections = file.sections.flatMap((s) => {
    const edited = edit(s);
    return edited ? [edited] : [];
  });
  return {
    name: file.name,
    byteOrder: file.byteOrder,
    sections,
    symbols: file.symbols,
    relocationsFor: file.relocationsFor.bind(file),
    sectionData: file.sectionData.bind(file),
  };
}

/** An event sink that keeps what it is told. */
export function recordEvents(): EventSink & { events: LoaderEvent[]; decisions(): string[] } {
  const events: LoaderEvent[] = [];
  return {
    events,
    emit: (event) => events.push(event),
    decisions: () => events.flatMap((e) => (e.type === 'decision' ? [e.message] : [])),
  };
}

export const u32 = (value: number): Uint8Array => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};

export const readU32 = (bytes: Uint8Array, at = 0): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
export const readU64 = (bytes: Uint8Array, at = 0): bigint =>
  new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true);
