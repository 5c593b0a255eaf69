import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachType, ProgramType, UsageError } from '@bpfkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fd } from '../fd.js';
import {
  countingProgram,
  createCounter,
  hasCommand,
  loadBuilt,
  readCounter,
  requireFeature,
  run,
} from '../testing/attach.test-helpers.js';
import { kernelOk, linuxBackend } from '../testing/kernel-gate.test-helpers.js';
import { attachCgroup } from './cgroup.js';
import { attachNetns } from './netns.js';

const usable = kernelOk && hasCommand('bash') && hasCommand('ip');
requireFeature(usable, 'cgroup and netns tests need the kernel, bash and `ip` (iproute2)');

/** A cgroup v2 hierarchy: the mounted one, or a fresh mount on a temporary directory. */
function cgroup2Root(): { dir: string; release(): void } {
  const line = readFileSync('/proc/mounts', 'latin1')
    .split('\n')
    .find((l) => l.split(' ')[2] === 'cgroup2');
  if (line) return { dir: line.split(' ')[1]!, release() {} };
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cgroup2-'));
  run('mount', '-t', 'cgroup2', 'none', dir);
  return {
    dir,
    release() {
      spawnSync('umount', [dir]);
      rmdirSync(dir);
    },
  };
}

/** Runs bash in the cgroup (it writes its own pid to cgroup.procs first) and opens a UDP socket. */
function openSocketIn(cgroup: string): { ok: boolean; stderr: string } {
  const script = `echo $$ > ${cgroup}/cgroup.procs && exec 3<>/dev/udp/127.0.0.1/9 && echo opened`;
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  return { ok: result.stdout.includes('opened'), stderr: result.stderr };
}

describe.skipIf(!usable)('cgroup and netns links', () => {
  const backend = usable ? linuxBackend() : undefined!;
  let counter: Fd;
  beforeAll(() => {
    counter = createCounter(backend);
  });
  afterAll(() => counter?.close());

  it('cgroup/sock_create refusing sockets makes socket() fail with EPERM in that cgroup only', () => {
    const root = cgroup2Root();
    const cgroup = join(root.dir, `bpfkit-test-${process.pid}`);
    mkdirSync(cgroup);
    try {
      using program = loadBuilt(
        backend,
        countingProgram(0),
        { type: ProgramType.CGROUP_SOCK, expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE },
        { counter },
      );
      const before = readCounter(backend, counter);
      {
        using link = attachCgroup(backend, program, cgroup, AttachType.CGROUP_INET_SOCK_CREATE);
        expect(link.kind).toBe('cgroup');
        const refused = openSocketIn(cgroup);
        expect(refused.ok).toBe(false);
        expect(refused.stderr).toMatch(/Operation not permitted/);
        expect(readCounter(backend, counter) - before).toBe(1n);
      }
      expect(openSocketIn(cgroup).ok).toBe(true);
    } finally {
      rmdirSync(cgroup);
      root.release();
    }
  });

  it('refuses an attach type that is not a cgroup hook', () => {
    using program = loadBuilt(backend, countingProgram(1), { type: ProgramType.XDP }, { counter });
    expect(() => attachCgroup(backend, program, '/', AttachType.XDP)).toThrow(UsageError);
  });

  it('sk_lookup attaches to a network namespace and runs for each UDP lookup there', () => {
    const ns = `bpfkit-sk-${process.pid}`;
    spawnSync('ip', ['netns', 'del', ns]);
    run('ip', 'netns', 'add', ns);
    try {
      run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      using program = loadBuilt(
        backend,
        countingProgram(1 /* SK_PASS */),
        { type: ProgramType.SK_LOOKUP, expectedAttachType: AttachType.SK_LOOKUP },
        { counter },
      );
      const send = (n: number) =>
        run(
          'ip',
          'netns',
          'exec',
          ns,
          'bash',
          '-c',
          `for i in $(seq ${n}); do echo x > /dev/udp/127.0.0.1/7777; done`,
        );
      const before = readCounter(backend, counter);
      const link = attachNetns(backend, program, AttachType.SK_LOOKUP, `/run/netns/${ns}`);
      expect(link.kind).toBe('netns');
      send(3);
      expect(readCounter(backend, counter) - before).toBe(3n);
      link.close();
      send(2);
      expect(readCounter(backend, counter) - before).toBe(3n);
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
