import type { BtfValue } from '@bpfkit/btf';
import { NotFoundError, type ObjectSpec, type ProgramSpec, ProgramType } from '@bpfkit/core';
import {
  type Attacher,
  defaultAttachers,
  type Fd,
  type KernelBackend,
  type Link,
} from '@bpfkit/kernel-backend';
import { attachStructOps } from '../attach-struct-ops.js';
import { type PinProgramsOptions, pinPrograms } from '../load/pin-programs.js';
import { readLiveVariable, writeLiveVariable } from '../variables.js';
import type { LiveMap } from './live-map.js';
import type { LiveProgram } from './live-program.js';

export interface LoadedObjectParts {
  /** the object's BTF in the kernel, kept open while maps and programs refer to it */
  btfFd?: Fd | undefined;
  /** how its programs attach (the pipeline's attach stage); default: every attach kind bpfkit knows */
  attachers?: readonly Attacher[];
}

/**
 * The live maps and programs of one load, and the links made through it: close() (or `using`)
 * releases them all, detaching every link that is not pinned. Pins stay.
 */
export class LoadedObject {
  readonly spec: ObjectSpec;
  readonly maps: ReadonlyMap<string, LiveMap>;
  readonly programs: ReadonlyMap<string, LiveProgram>;
  readonly #backend: KernelBackend;
  readonly #pins: string[] = [];
  readonly #btfFd: Fd | undefined;
  readonly #links = new Set<Link>();
  #closed = false;

  constructor(
    spec: ObjectSpec,
    maps: ReadonlyMap<string, LiveMap>,
    programs: ReadonlyMap<string, LiveProgram>,
    backend: KernelBackend,
    parts: LoadedObjectParts = {},
  ) {
    this.spec = spec;
    this.maps = maps;
    this.programs = programs;
    this.#backend = backend;
    this.#btfFd = parts.btfFd;
    const owner = {
      attachers: parts.attachers ?? defaultAttachers,
      mapFds: () => new Map([...maps].map(([name, map]) => [name, map.fd])),
      ownLink: (link: Link) => this.#links.add(link),
    };
    for (const program of programs.values()) program.adoptInto(owner);
  }

  /** The links made through this object's programs that are still attached. */
  get links(): Link[] {
    return [...this.#links].filter((link) => !link.closed);
  }

  map(name: string): LiveMap {
    const map = this.maps.get(name);
    if (!map)
      throw new NotFoundError(`no map named ${name}`, { hint: `maps: ${[...this.maps.keys()].join(', ')}` });
    return map;
  }

  program(name: string): LiveProgram {
    const program = this.programs.get(name);
    if (!program) {
      throw new NotFoundError(`no loaded program named ${name}`, {
        hint: `programs: ${[...this.programs.keys()].join(', ')}`,
      });
    }
    return program;
  }

  /** A global variable's current value in the kernel (`.data`, `.bss`, `.rodata`). */
  readVariable(name: string): BtfValue {
    return readLiveVariable(this.spec, this.maps, name);
  }

  /** Writes a global variable in the kernel (`.data`, `.bss`; `.rodata` is frozen). */
  writeVariable(name: string, value: BtfValue): void {
    writeLiveVariable(this.spec, this.maps, name, value);
  }

  /**
   * Attaches every program whose section names its target (libbpf's skeleton attach): tracepoints,
   * raw and BTF tracepoints, kprobes and uprobes with a target, iterators. Programs that need an
   * interface, cgroup or socket are left for `program(name).attach(options)`. If one attach fails,
   * the links already made are detached again.
   */
  attachAll(): Link[] {
    const links: Link[] = [];
    try {
      for (const program of this.programs.values()) {
        if (canAutoAttach(program.spec)) links.push(program.attach());
      }
    } catch (error) {
      for (const link of links) link.close();
      throw error;
    }
    return links;
  }

  /** Registers a struct_ops map's struct with the kernel; closing the Link unregisters it. */
  attachStructOps(mapName: string): Link {
    const link = attachStructOps(mapName, this.maps, this.programs, this.#backend);
    this.#links.add(link);
    return link;
  }

  /**
   * Pins every program at `<dir>/<program name>` (bpftool prog loadall's layout), all at once or
   * not at all (see pinPrograms in load/pin-programs.ts); `replace` swaps an earlier run's pins.
   */
  pinPrograms(dir: string, options: PinProgramsOptions = {}): string[] {
    const made = pinPrograms(this.programs.values(), dir, this.#backend, options);
    this.#pins.push(...made);
    return made;
  }

  /** Detaches every link made through the object and closes every fd; pins stay (that is what pins are for). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) link.close();
    this.#links.clear();
    for (const program of this.programs.values()) program.close();
    for (const map of this.maps.values()) map.close();
    this.#btfFd?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

const autoAttachTypes: ReadonlySet<number> = new Set([
  ProgramType.TRACEPOINT,
  ProgramType.RAW_TRACEPOINT,
  ProgramType.RAW_TRACEPOINT_WRITABLE,
  ProgramType.TRACING,
  ProgramType.LSM,
  ProgramType.KPROBE,
]);

/** Programs whose section alone says where they attach. */
export function canAutoAttach(spec: ProgramSpec): boolean {
  return autoAttachTypes.has(spec.type) && spec.attachTarget !== '';
}
