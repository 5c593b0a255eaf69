import { readFileSync } from 'node:fs';
import type { EventSink, LoaderEvent, ObjectFileView } from '@bpfkit/core';
import { readElf } from '@bpfkit/elf-reader';
import { type KernelBackend, SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';
import type { Iproute2Options } from '../options.js';
import { iproute2Plugin } from '../plugin.js';

/** Bytes of an object in this package's fixtures/ or, with `shared`, the repository's fixtures/. */
export function fixtureBytes(name: string, shared = false): Uint8Array {
  const url = shared ? `../../../../fixtures/${name}` : `../fixtures/${name}`;
  return readFileSync(new URL(url, import.meta.url));
}

export function fixtureFile(name: string, shared = false): ObjectFileView {
  return readElf(fixtureBytes(name, shared), name);
}

/** The bespoke loader of the README: the default pipeline with the iproute2 plugin. */
export function iproute2Loader(
  backend: KernelBackend = new SimulatedKernel(),
  options: Iproute2Options = {},
) {
  return createLoader({ backend, plugins: [iproute2Plugin(options)] });
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

export const readU32 = (bytes: Uint8Array): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
export const readU64 = (bytes: Uint8Array): bigint =>
  new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
