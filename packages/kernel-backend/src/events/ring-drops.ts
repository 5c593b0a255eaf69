// rxjs/internal/* (exported by rxjs 7): the classes alone; 'rxjs' loads every operator (~80 ms at start)
import { Observable } from 'rxjs/internal/Observable';

/** Records a ring buffer lost, as a counter the BPF program keeps says. */
export interface RingDrops {
  type: 'dropped';
  /** drops counted since the program was loaded */
  total: bigint;
  /** drops since the previous report */
  added: bigint;
}

export interface RingBufferDropsOptions {
  /** how often the counter is read (default 250 ms) */
  intervalMs?: number;
}

/**
 * The drops of a ring buffer, for programs that count them. A ring buffer has no kernel-side loss
 * record (a perf buffer has PERF_RECORD_LOST): when the ring is full, bpf_ringbuf_reserve returns
 * NULL and bpf_ringbuf_output fails in the program, and only the program can count that. The
 * libbpf-tools habit is a global the program bumps on that path:
 *
 *     e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
 *     if (!e) { __sync_fetch_and_add(&events_drops, 1); return 0; }
 *
 * `read` returns that counter (the loader's ringBufferDropCounter reads the variable
 * `<ring map>_drops`); this polls it and emits whenever it grew.
 */
export function ringBufferDrops(
  read: () => bigint,
  options: RingBufferDropsOptions = {},
): Observable<RingDrops> {
  return new Observable<RingDrops>((subscriber) => {
    let last = 0n;
    const check = () => {
      try {
        const total = read();
        if (total > last) {
          subscriber.next({ type: 'dropped', total, added: total - last });
          last = total;
        }
      } catch (error) {
        subscriber.error(error);
      }
    };
    const timer = setInterval(check, options.intervalMs ?? 250);
    return () => clearInterval(timer);
  });
}
