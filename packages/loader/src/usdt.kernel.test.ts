import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotSupportedError, ProgramType } from '@bpfkit/core';
import {
  attachProgram,
  attachUsdt,
  type Fd,
  type KernelBackend,
  kernelHasBpfCookie,
  LinuxBackend,
  type ProgLoadAttr,
} from '@bpfkit/kernel-backend';
import { kernelSkipReason } from '@bpfkit/kernel-backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoader } from './container.js';
import type { LoadedObject } from './live/loaded-object.js';
import { kernelFeatures } from './load/kernel-features.js';

const fixture = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url).pathname;

/** gcc and <sys/sdt.h> (systemtap-sdt-dev) build the traced program; without them the test cannot run. */
function targetBuildProblem(): string | undefined {
  const probe = spawnSync('gcc', ['-E', '-x', 'c', '-'], { input: '#include <sys/sdt.h>\n' });
  if (probe.error) return 'gcc is not installed';
  return probe.status === 0 ? undefined : '<sys/sdt.h> is missing (install systemtap-sdt-dev)';
}
const problem = kernelSkipReason() ?? targetBuildProblem();
if (problem && process.env.BPFKIT_REQUIRE_KERNEL === '1')
  throw new Error(`BPFKIT_REQUIRE_KERNEL=1 but ${problem}`);

/** struct usdt_event of fixtures/usdt_args.bpf.c */
interface UsdtEvent {
  source: number;
  argCount: number;
  cookie: bigint;
  args: bigint[];
  errors: number[];
}

function readEvents(loaded: LoadedObject): UsdtEvent[] {
  const count = Number(loaded.readVariable('event_count'));
  const events: UsdtEvent[] = [];
  for (let index = 0; index < count; index++) {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, index, true);
    const value = loaded.map('events').lookup(key)!;
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    events.push({
      source: view.getUint32(0, true),
      argCount: view.getInt32(4, true),
      cookie: view.getBigInt64(8, true),
      args: Array.from({ length: 6 }, (_, i) => view.getBigInt64(16 + i * 8, true)),
      errors: Array.from({ length: 6 }, (_, i) => view.getInt32(64 + i * 4, true)),
    });
  }
  return events;
}

const ENOENT = 2;

/** Starts `binary ROUNDS wait`; it fires its probes once finish() sends it a line, and prints. */
async function startWaiting(
  binary: string,
  rounds: number,
): Promise<{ pid: number; finish(): Promise<string> }> {
  const child = spawn(binary, [String(rounds), 'wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const closed = new Promise<string>((resolve) => child.on('close', () => resolve(output)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.startsWith('ready\n')) resolve();
    });
    child.on('error', reject);
    child.on('exit', () => reject(new Error(`${binary} exited before it was ready`)));
  });
  return {
    pid: child.pid!,
    finish: async () => {
      child.stdin.end('\n');
      return (await closed).replace('ready\n', '').trim();
    },
  };
}

/**
 * The Linux backend as a kernel without bpf_get_attach_cookie looks: the probe program that calls
 * it (helper 174) is refused, so the loader sets LINUX_HAS_BPF_COOKIE false and attach fills
 * __bpf_usdt_ip_to_spec_id instead, as on kernels before 5.15.
 */
function withoutBpfCookies(backend: KernelBackend): KernelBackend {
  const callsAttachCookie = (attr: ProgLoadAttr) =>
    attr.type === ProgramType.TRACEPOINT && attr.instructions[0] === 0x85 && attr.instructions[4] === 174;
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'loadProgram') {
        return (attr: ProgLoadAttr) => {
          if (callsAttachCookie(attr))
            throw new NotSupportedError('bpf_get_attach_cookie', 'hidden by the test');
          return target.loadProgram(attr);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.skipIf(problem !== undefined)(
  `USDT probes traced with usdt.bpf.h${problem ? ` (skipped: ${problem})` : ''}`,
  () => {
    const backend = new LinuxBackend();
    let dir: string;
    let binary: string;
    let loaded: LoadedObject;
    let savedPath: string | undefined;
    const run = (rounds: number) => execFileSync(binary, [String(rounds)], { encoding: 'utf8' }).trim();
    const mapFds = () => new Map<string, Fd>([...loaded.maps].map(([name, map]) => [name, map.fd]));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-'));
      binary = join(dir, 'bpfkit_usdt_target');
      execFileSync('gcc', ['-O2', '-o', binary, fixture('usdt_target.c'), fixture('usdt_guarded.c')]);
      // the auto-attached handler names its binary without a '/': found on PATH, as libbpf does
      savedPath = process.env.PATH;
      process.env.PATH = `${dir}:${savedPath ?? ''}`;
      const loader = createLoader({ backend });
      loaded = await loader.load(loader.open(fixture('usdt_args.bpfel.o')));
    });
    afterAll(() => {
      loaded?.close();
      process.env.PATH = savedPath;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('finds its spec the way the loaded handler was told to (LINUX_HAS_BPF_COOKIE)', () => {
      expect(kernelHasBpfCookie(backend)).toBe(kernelFeatures(backend).bpfCookie);
    });

    it('reads a constant, a register, memory, a negative short and a negative constant, with the cookie', () => {
      loaded.writeVariable('event_count', 0);
      const link = attachUsdt(backend, loaded.program('usdt_args').fd, {
        binary,
        provider: 'bpfkit',
        name: 'args',
        cookie: 0xc0ffeen,
        maps: mapFds(),
      });
      try {
        expect(link.kind).toBe('usdt');
        expect(run(3)).toBe('semaphore=0');
      } finally {
        link.close();
      }
      expect(readEvents(loaded)).toEqual(
        [0, 1, 2].map((round) => ({
          source: 1,
          argCount: 5,
          cookie: 0xc0ffeen,
          // STAP_PROBE5(bpfkit, args, 42, round, in_memory, small, -7); one past the last: 0, -ENOENT
          args: [42n, BigInt(round), 1000000000000n + BigInt(round), BigInt(-300 - round), -7n, 0n],
          errors: [0, 0, 0, 0, 0, -ENOENT],
        })),
      );
      // detached: the probe no longer fires
      run(2);
      expect(readEvents(loaded)).toHaveLength(3);
    });

    it('reads all twelve arguments a spec holds, of every size and sign, through BPF_USDT', () => {
      const link = attachUsdt(backend, loaded.program('usdt_twelve').fd, {
        binary,
        provider: 'bpfkit',
        name: 'twelve',
        maps: mapFds(),
      });
      try {
        run(3);
      } finally {
        link.close();
      }
      // the last round (2): round, -2, 3L, -4L, 5U, -6L, 7ULL, (u16)65535, -9, (short)-10,
      // (u8)11, and a signed char in memory, -1 - round
      expect(loaded.readVariable('twelve')).toEqual([
        2n,
        -2n,
        3n,
        -4n,
        5n,
        -6n,
        7n,
        65535n,
        -9n,
        -10n,
        11n,
        -3n,
      ]);
    });

    it('auto-attaches usdt/PATH:PROVIDER:NAME, and the semaphore is set only while attached', () => {
      loaded.writeVariable('event_count', 0);
      const program = loaded.program('usdt_guarded');
      const link = attachProgram(backend, {
        fd: program.fd,
        name: program.name,
        type: program.spec.type,
        expectedAttachType: program.spec.expectedAttachType,
        attachTarget: program.spec.attachTarget,
        section: program.spec.section,
        maps: mapFds(),
      });
      try {
        expect(link.target).toMatch(/^USDT bpfkit:guarded in \/.*bpfkit_usdt_target \(1 site\)$/);
        expect(run(2)).toBe('semaphore=1');
      } finally {
        link.close();
      }
      expect(readEvents(loaded)).toEqual(
        [0, 1].map((round) => ({
          source: 2,
          argCount: 2,
          cookie: 0n,
          // STAP_PROBE2(bpfkit, guarded, round, (unsigned char)200), the 200 written as "1@$-56"
          args: [BigInt(round), 200n, 0n, 0n, 0n, 0n],
          errors: [0, 0, -ENOENT, -ENOENT, -ENOENT, -ENOENT],
        })),
      );
      expect(run(1)).toBe('semaphore=0');
      expect(readEvents(loaded)).toHaveLength(2);
    });

    it("without BPF cookies, the handler finds each site's spec by its ip", async () => {
      const noCookies = withoutBpfCookies(backend);
      expect(kernelHasBpfCookie(noCookies)).toBe(false);
      // a fixed-address executable: its probe ips are the same in every process
      const exec = join(mkdtempSync(join(dir, 'exec-')), 'bpfkit_usdt_target');
      execFileSync('gcc', [
        '-O2',
        '-no-pie',
        '-o',
        exec,
        fixture('usdt_target.c'),
        fixture('usdt_guarded.c'),
      ]);
      const loader = createLoader({ backend: noCookies });
      const object = await loader.load(loader.open(fixture('usdt_args.bpfel.o')));
      try {
        const maps = new Map<string, Fd>([...object.maps].map(([name, map]) => [name, map.fd]));
        const ipMap = object.map('__bpf_usdt_ip_to_spec_id');
        // the guarded probe takes spec id 0, so a handler that wrongly read a (zero) cookie would
        // find the guarded probe's spec instead of its own
        const guarded = attachUsdt(noCookies, object.program('usdt_guarded').fd, {
          binary: exec,
          provider: 'bpfkit',
          name: 'guarded',
          cookie: 9n,
          maps,
        });
        const args = attachUsdt(noCookies, object.program('usdt_args').fd, {
          binary: exec,
          provider: 'bpfkit',
          name: 'args',
          cookie: 5n,
          maps,
        });
        try {
          expect(countKeys(backend, ipMap.fd)).toBe(2);
          expect(execFileSync(exec, ['2'], { encoding: 'utf8' }).trim()).toBe('semaphore=1');
        } finally {
          args.close();
          guarded.close();
        }
        const events = readEvents(object).map((e) => [e.source, e.cookie, e.argCount, ...e.args.slice(0, 5)]);
        expect(events).toEqual(
          [0, 1].flatMap((round) => [
            [1, 5n, 5, 42n, BigInt(round), 1000000000000n + BigInt(round), BigInt(-300 - round), -7n],
            [2, 9n, 2, BigInt(round), 200n, 0n, 0n, 0n],
          ]),
        );
        // detach took the ip entries back
        expect(countKeys(backend, ipMap.fd)).toBe(0);
        // a PIE's ips differ per process: without cookies it needs a pid
        expect(() =>
          attachUsdt(noCookies, object.program('usdt_args').fd, {
            binary,
            provider: 'bpfkit',
            name: 'args',
            maps,
          }),
        ).toThrow(NotSupportedError);
      } finally {
        object.close();
      }
    });

    it('without BPF cookies, a PIE is traced in one process, at the addresses it is mapped at there', async () => {
      const noCookies = withoutBpfCookies(backend);
      const loader = createLoader({ backend: noCookies });
      const object = await loader.load(loader.open(fixture('usdt_args.bpfel.o')));
      try {
        const maps = new Map<string, Fd>([...object.maps].map(([name, map]) => [name, map.fd]));
        const traced = await startWaiting(binary, 2);
        const link = attachUsdt(noCookies, object.program('usdt_args').fd, {
          binary,
          provider: 'bpfkit',
          name: 'args',
          pid: traced.pid,
          cookie: 3n,
          maps,
        });
        try {
          // the ip map holds the probe's address in that process: where the PIE is loaded plus the
          // link-time address readelf prints
          const [ip, ...more] = mapKeys(backend, object.map('__bpf_usdt_ip_to_spec_id').fd);
          const mappings = readFileSync(`/proc/${traced.pid}/maps`, 'latin1');
          const loadBias = /^([0-9a-f]+)-\S+ \S+ 00000000 .*bpfkit_usdt_target$/m.exec(mappings)?.[1];
          const notes = execFileSync('readelf', ['-n', binary], { encoding: 'utf8' });
          const location = /Name: args\s+Location: (0x[0-9a-f]+)/.exec(notes)?.[1];
          expect(more).toEqual([]);
          expect(ip).toBe(BigInt(`0x${loadBias}`) + BigInt(location!));
          expect(await traced.finish()).toBe('semaphore=0');
          // another process running the same binary is not traced
          run(1);
        } finally {
          link.close();
        }
        expect(readEvents(object).map((e) => [e.cookie, ...e.args.slice(0, 5)])).toEqual(
          [0, 1].map((round) => [
            3n,
            42n,
            BigInt(round),
            1000000000000n + BigInt(round),
            BigInt(-300 - round),
            -7n,
          ]),
        );
      } finally {
        object.close();
      }
    });
  },
);

function countKeys(backend: KernelBackend, map: Fd): number {
  return mapKeys(backend, map).length;
}

/** The u64 keys of a hash map. */
function mapKeys(backend: KernelBackend, map: Fd): bigint[] {
  const keys: bigint[] = [];
  let key: Uint8Array | null = null;
  const next = new Uint8Array(8);
  while (backend.mapGetNextKey(map, key, next)) {
    keys.push(new DataView(next.buffer).getBigUint64(0, true));
    key = next.slice();
  }
  return keys;
}
