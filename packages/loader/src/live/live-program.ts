import type { ProgramSpec } from '@bpfkit/core';
import {
  type Attacher,
  type AttachOptions,
  attachProgram,
  defaultAttachers,
  type Fd,
  type KernelBackend,
  type Link,
  type ProgramInfo,
  type TestRunOptions,
  type TestRunResult,
} from '@bpfkit/kernel-backend';

/** What a LoadedObject offers the programs it holds. */
export interface ProgramOwner {
  readonly attachers: readonly Attacher[];
  mapFds(): ReadonlyMap<string, Fd>;
  ownLink(link: Link): void;
}

/** A program the kernel has verified and loaded. */
export class LiveProgram {
  readonly name: string;
  readonly spec: ProgramSpec;
  readonly fd: Fd;
  /** the instructions as sent to the kernel, after relocation */
  readonly instructionCount: number;
  readonly #backend: KernelBackend;
  #owner: ProgramOwner | undefined;

  constructor(spec: ProgramSpec, fd: Fd, instructionCount: number, backend: KernelBackend) {
    this.name = spec.name;
    this.spec = spec;
    this.fd = fd;
    this.instructionCount = instructionCount;
    this.#backend = backend;
  }

  /** Called once by the LoadedObject that holds the program: attaches go through its attachers and links. */
  adoptInto(owner: ProgramOwner): void {
    this.#owner = owner;
  }

  info(): ProgramInfo {
    return this.#backend.programInfo(this.fd);
  }

  pin(path: string): void {
    this.#backend.pin(this.fd, path);
  }

  /**
   * Attaches the program where its section says (tracepoint, raw_tp, tp_btf, kprobe, uprobe, iter),
   * or where `options` say for what a section cannot name (interface, cgroup, socket). The first of
   * the pipeline's attachers that accepts the program attaches it; the link belongs to the loaded
   * object, which detaches it on close() unless it was pinned.
   */
  attach(options: AttachOptions = {}): Link {
    const { spec } = this;
    const link = attachProgram(
      this.#backend,
      {
        fd: this.fd,
        name: spec.name,
        type: spec.type,
        expectedAttachType: spec.expectedAttachType,
        attachTarget: spec.attachTarget,
        section: spec.section,
        ...(this.#owner ? { maps: this.#owner.mapFds() } : {}),
      },
      options,
      this.#owner?.attachers ?? defaultAttachers,
    );
    this.#owner?.ownLink(link);
    return link;
  }

  /** Runs the program once (or `repeat` times) on the given input with BPF_PROG_TEST_RUN. */
  testRun(options: TestRunOptions): TestRunResult {
    return this.#backend.testRun(this.fd, options);
  }

  close(): void {
    this.fd.close();
  }
}
