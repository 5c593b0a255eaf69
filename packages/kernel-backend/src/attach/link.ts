import { UsageError } from '@bpfkit/core';
import type { KernelBackend } from '../backend.js';
import type { Fd } from '../fd.js';

/** What a Link attaches: named after libbpf's attach functions and section prefixes. */
export type LinkKind =
  | 'xdp'
  | 'tcx'
  /** a cls_bpf filter on a clsact hook, made through rtnetlink (attach/tc-netlink.ts) */
  | 'tc'
  | 'cgroup'
  | 'netns'
  | 'iter'
  | 'tracing'
  | 'raw_tracepoint'
  | 'tracepoint'
  | 'kprobe'
  | 'uprobe'
  | 'usdt'
  | 'perf_event'
  | 'socket_filter'
  | 'struct_ops';

/** How a Link lets go, beyond closing its link fd (perf fds, a socket option, per-CPU parts). */
export type Teardown = () => void;

/**
 * An attached program. close() (or `using`) detaches it: a BPF link detaches when its last fd
 * closes, a perf-event attach when its perf fd closes, a socket filter with SO_DETACH_BPF. Only
 * links made by BPF_LINK_CREATE / RAW_TRACEPOINT_OPEN have an `fd` and can be pinned; a pinned
 * link stays attached after close() until the pin is removed.
 */
export class Link {
  readonly kind: LinkKind;
  /** the BPF link fd; undefined for attachments without one (ioctl perf events, socket filters) */
  readonly fd: Fd | undefined;
  /** what it is attached to, for messages: 'xdp on veth0' */
  readonly target: string;
  readonly #backend: KernelBackend;
  readonly #teardowns: Teardown[];
  #closed = false;
  #disconnected = false;

  constructor(kind: LinkKind, target: string, backend: KernelBackend, fd?: Fd, teardowns: Teardown[] = []) {
    this.kind = kind;
    this.target = target;
    this.fd = fd;
    this.#backend = backend;
    this.#teardowns = teardowns;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** BPF_OBJ_PIN of the link fd: the program stays attached while the pin exists. */
  pin(path: string): void {
    if (!this.fd) {
      throw new UsageError(
        `the ${this.kind} attachment of ${this.target} is not a BPF link and cannot be pinned`,
        {
          hint: 'only attachments made with BPF_LINK_CREATE or BPF_RAW_TRACEPOINT_OPEN have a link fd',
        },
      );
    }
    this.#backend.pin(this.fd, path);
  }

  /** BPF_LINK_DETACH: detaches now even if the link is pinned or its fd shared. */
  detach(): void {
    if (this.fd) this.#backend.detachLink(this.fd);
    else this.close();
  }

  /**
   * Keeps the attachment after close(), as libbpf's bpf_link__disconnect: close() then releases
   * the link fd but does not detach. For attachments that outlive any descriptor (a tc filter made
   * through netlink); a BPF link stays attached only while pinned.
   */
  disconnect(): void {
    this.#disconnected = true;
  }

  /** Detaches (unless pinned or disconnected) and releases every descriptor; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let failure: unknown;
    const steps: Teardown[] = [
      ...(this.fd ? [() => this.fd!.close()] : []),
      ...(this.#disconnected ? [] : [...this.#teardowns].reverse()),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `${this.kind} link on ${this.target}${this.#closed ? ' (closed)' : ''}`;
  }
}
