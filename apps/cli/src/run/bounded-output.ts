/**
 * The policy of `bpfkit run` behind a slow or stalled stdout reader: a record line is written only
 * while less than `maxPendingBytes` of earlier output is still waiting in the process (Node queues
 * writes to a pipe without limit); otherwise the record is dropped and counted. Memory stays
 * bounded, the ring keeps draining (so the kernel does not drop instead), and every drop is
 * reported on stderr: at most once a second while it happens, and a total at the end.
 */
export const DEFAULT_MAX_PENDING_BYTES = 8 << 20;

export interface BoundedOutputOptions {
  /** bytes of unwritten output above which records are dropped (default 8 MiB) */
  maxPendingBytes?: number;
  /** bytes written but not yet taken by the reader (default: process.stdout's queue) */
  pending?: () => number;
  /** clock for the once-a-second progress report (tests) */
  now?: () => number;
}

export class BoundedOutput {
  readonly maxPendingBytes: number;
  readonly #write: (line: string) => void;
  readonly #report: (line: string) => void;
  readonly #pending: () => number;
  readonly #now: () => number;
  readonly #dropped = new Map<string, number>();
  #lastReport = Number.NEGATIVE_INFINITY;

  constructor(
    write: (line: string) => void,
    report: (line: string) => void,
    options: BoundedOutputOptions = {},
  ) {
    this.#write = write;
    this.#report = report;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#pending = options.pending ?? (() => process.stdout.writableLength);
    this.#now = options.now ?? Date.now;
  }

  /** Writes the line of one record of `source`, or drops it when the reader is too far behind. */
  line(source: string, make: () => string): void {
    if (this.#pending() < this.maxPendingBytes) {
      this.#write(make());
      return;
    }
    this.#dropped.set(source, (this.#dropped.get(source) ?? 0) + 1);
    const now = this.#now();
    if (now - this.#lastReport >= 1000) {
      this.#lastReport = now;
      this.#report(
        `bpfkit: stdout is not keeping up: dropping records (${this.droppedTotal()} so far; ` +
          `more than ${this.maxPendingBytes >> 20} MiB unwritten)`,
      );
    }
  }

  droppedTotal(): number {
    let total = 0;
    for (const n of this.#dropped.values()) total += n;
    return total;
  }

  /** The closing report of what was dropped, one line per source; nothing when nothing was. */
  finish(): void {
    for (const [source, n] of this.#dropped) {
      this.#report(`bpfkit: ${source}: dropped ${n} records because stdout did not keep up`);
    }
    this.#dropped.clear();
  }
}
