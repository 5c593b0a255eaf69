import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpfHelper, helperName } from './helpers.js';

const uapiHeader = '/usr/include/linux/bpf.h';
const missing = existsSync(uapiHeader) ? undefined : `${uapiHeader} is not installed (linux-libc-dev)`;

describe('BpfHelper', () => {
  it('has the ids of the helpers programs use most', () => {
    expect(BpfHelper).toMatchObject({
      map_lookup_elem: 1,
      map_update_elem: 2,
      map_delete_elem: 3,
      ktime_get_ns: 5,
      trace_printk: 6,
      get_prandom_u32: 7,
      get_smp_processor_id: 8,
      skb_store_bytes: 9,
      tail_call: 12,
      get_current_pid_tgid: 14,
      get_current_comm: 16,
      redirect: 23,
      perf_event_output: 25,
      skb_load_bytes: 26,
      ringbuf_output: 130,
      ringbuf_reserve: 131,
      ringbuf_submit: 132,
    });
    expect(helperName(1)).toBe('map_lookup_elem');
    expect(helperName(100_000)).toBeUndefined();
  });

  it.skipIf(missing !== undefined)(
    `matches the helper list of the installed UAPI header ${missing ?? ''}`,
    () => {
      // Headers before 6.2 have __BPF_FUNC_MAPPER with ids by position; later ones have
      // ___BPF_FUNC_MAPPER with FN(name, id, ...).
      const header = readFileSync(uapiHeader, 'utf8');
      const start = header.search(/#define _{2,3}BPF_FUNC_MAPPER\(/);
      const mapper = header.slice(start, header.indexOf('\n\n', start));
      const entries = [...mapper.matchAll(/FN\((\w+)(?:,\s*(\d+))?/g)].map((m, position) => ({
        name: m[1]!,
        id: m[2] === undefined ? position : Number(m[2]),
      }));
      expect(entries.length).toBeGreaterThan(200);
      for (const { name, id } of entries) {
        if (name !== 'unspec') expect(BpfHelper[name as keyof typeof BpfHelper], name).toBe(id);
      }
    },
  );
});
