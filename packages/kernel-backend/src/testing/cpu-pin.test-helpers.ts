import koffi from 'koffi';

/** Room for 1024 CPUs in a cpu_set_t, as glibc's CPU_SETSIZE. */
const MASK_BYTES = 128;

interface AffinityCalls {
  getaffinity(pid: number, size: number, mask: Uint8Array): number;
  setaffinity(pid: number, size: number, mask: Uint8Array): number;
  getcpu(): number;
}

let calls: AffinityCalls | undefined;

function affinityCalls(): AffinityCalls {
  if (calls) return calls;
  const lib = koffi.load('libc.so.6');
  calls = {
    getaffinity: lib.func('int sched_getaffinity(int, size_t, _Out_ uint8_t *)'),
    setaffinity: lib.func('int sched_setaffinity(int, size_t, const uint8_t *)'),
    getcpu: lib.func('int sched_getcpu(void)'),
  } as AffinityCalls;
  return calls;
}

/**
 * Runs `body` with the calling thread held on the CPU it is on, then gives back its CPUs.
 * BPF_PROG_TEST_RUN with a large `repeat` lets the task migrate when it yields to the scheduler
 * (bpf_test_timer_continue: migrate_enable, cond_resched), so on a busy machine a per-CPU output
 * (a perf event array) can receive one run's samples on two CPUs; pinned, they stay on one.
 */
export function onOneCpu<T>(body: () => T): T {
  const { getaffinity, setaffinity, getcpu } = affinityCalls();
  const saved = new Uint8Array(MASK_BYTES);
  if (getaffinity(0, MASK_BYTES, saved) !== 0) throw new Error('sched_getaffinity failed');
  const cpu = getcpu();
  const only = new Uint8Array(MASK_BYTES);
  only[cpu >>> 3] = 1 << (cpu & 7);
  if (setaffinity(0, MASK_BYTES, only) !== 0) throw new Error(`sched_setaffinity to CPU ${cpu} failed`);
  try {
    return body();
  } finally {
    setaffinity(0, MASK_BYTES, saved);
  }
}
