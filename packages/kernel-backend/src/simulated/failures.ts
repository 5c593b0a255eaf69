import type { KernelBackend } from '../backend.js';

/** A backend method whose calls can be made to fail. */
export type SimOperation = Exclude<keyof KernelBackend, 'kind'>;

/** The failure to inject: the errno the kernel would answer, and for loads the log it would give. */
export interface InjectedFault {
  errno: number;
  log?: string;
}

/**
 * Scheduled failures: "the 3rd createMap from now fails with ENOMEM". Each scheduled failure
 * fires once. Counting starts when it is scheduled, so tests read like the story they tell.
 */
export class FailurePlan {
  readonly #calls = new Map<SimOperation, number>();
  readonly #planned: { op: SimOperation; atCall: number; fault: InjectedFault }[] = [];

  /** the next call of `op` fails */
  failNext(op: SimOperation, fault: InjectedFault): void {
    this.failAt(op, 1, fault);
  }

  /** the n-th call of `op` from now (1 = the next one) fails */
  failAt(op: SimOperation, n: number, fault: InjectedFault): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`failAt: n must be a positive integer, got ${n}`);
    this.#planned.push({ op, atCall: (this.#calls.get(op) ?? 0) + n, fault });
  }

  /** Counts one call of `op`; answers the fault planned for it, if any. */
  onCall(op: SimOperation): InjectedFault | undefined {
    const call = (this.#calls.get(op) ?? 0) + 1;
    this.#calls.set(op, call);
    const index = this.#planned.findIndex((p) => p.op === op && p.atCall === call);
    if (index < 0) return undefined;
    const [planned] = this.#planned.splice(index, 1);
    return planned!.fault;
  }

  /** calls made so far of one operation */
  calls(op: SimOperation): number {
    return this.#calls.get(op) ?? 0;
  }

  clear(): void {
    this.#planned.length = 0;
  }
}
