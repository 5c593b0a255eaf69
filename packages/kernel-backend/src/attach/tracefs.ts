import { existsSync, readFileSync } from 'node:fs';
import { NotFoundError, NotSupportedError } from '@bpfkit/core';
import { osCalls } from './os-calls.js';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

let mounted: string | undefined;

/**
 * Where tracefs is mounted. When it is not, mount it at /sys/kernel/tracing (root only), as
 * bpftool and perf expect to find it; fail with an error that names tracefs otherwise.
 */
export function tracefsRoot(): string {
  if (mounted) return mounted;
  for (const dir of [TRACEFS, DEBUGFS_TRACING]) {
    if (existsSync(`${dir}/events`)) {
      mounted = dir;
      return dir;
    }
  }
  const result = existsSync(TRACEFS) ? osCalls().mount('tracefs', TRACEFS, 'tracefs') : -2;
  if (result < 0 || !existsSync(`${TRACEFS}/events`)) {
    throw new NotSupportedError('tracefs', 'tracefs is not mounted and could not be mounted', {
      hint: `mount it: mount -t tracefs tracefs ${TRACEFS} (needs root and CONFIG_TRACING)`,
    });
  }
  mounted = TRACEFS;
  return TRACEFS;
}

/** The id of a tracepoint (tracefs events/<category>/<name>/id), the perf event config. */
export function tracepointId(category: string, name: string): number {
  const path = `${tracefsRoot()}/events/${category}/${name}/id`;
  try {
    return Number(readFileSync(path, 'latin1').trim());
  } catch (error) {
    throw new NotFoundError(`no tracepoint ${category}/${name}`, {
      hint: `${path} does not exist; list them in ${tracefsRoot()}/available_events`,
      cause: error,
    });
  }
}
