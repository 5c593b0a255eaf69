import { KernelError, MapType, NotSupportedError, ProgramType, VerifierError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { BtfLoadError } from '../kernel-errors.js';
import { readU32, returnImmediate, u32 } from '../testing/kernel-gate.test-helpers.js';
import { SimulatedKernel } from './simulated-kernel.js';

const arrayAttr = { type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, flags: 0, name: 'a' };
const socketFilter = (imm = 0) => ({
  type: ProgramType.SOCKET_FILTER,
  instructions: returnImmediate(imm),
  license: 'GPL',
  name: 'p',
});

/** ld_imm64 r1 = map fd; r0 = 0; exit */
function usesMapFd(fd: number): Uint8Array {
  const insns = new Uint8Array(32);
  insns[0] = 0x18;
  insns[1] = 0x11;
  new DataView(insns.buffer).setInt32(4, fd, true);
  insns[16] = 0xb7;
  insns[24] = 0x95;
  return insns;
}

describe('simulated kernel', () => {
  describe('fds', () => {
    it('hands out fds from 1000 and lists the open ones', () => {
      const sim = new SimulatedKernel();
      const a = sim.createMap(arrayAttr);
      const b = sim.createMap(arrayAttr);
      expect([a.value, b.value]).toEqual([1000, 1001]);
      expect(sim.openFds()).toEqual([1000, 1001]);
      a.close();
      expect(sim.openFds()).toEqual([1001]);
      b.close();
      expect(sim.openFds()).toEqual([]);
    });

    it('treats closing a raw fd twice as the bug it is', () => {
      const sim = new SimulatedKernel();
      const fd = sim.createMap(arrayAttr).value;
      sim.closeFd(fd);
      expect(() => sim.closeFd(fd)).toThrow(/close\(1000\): fd was closed twice/);
      expect(() => sim.closeFd(4242)).toThrow(/was never opened/);
    });

    it('answers EBADF for an fd it never handed out and EINVAL for one of the wrong kind', () => {
      const sim = new SimulatedKernel();
      using prog = sim.loadProgram(socketFilter());
      expect(() => sim.mapLookup(77, u32(0), new Uint8Array(4))).toThrow(
        expect.objectContaining({ errno: Errno.EBADF, syscall: 'BPF_MAP_LOOKUP_ELEM' }),
      );
      expect(() => sim.mapLookup(prog, u32(0), new Uint8Array(4))).toThrow(
        expect.objectContaining({ errno: Errno.EINVAL }),
      );
    });
  });

  describe('failure injection', () => {
    it('fails the next call of an operation with the errno given, then recovers', () => {
      const sim = new SimulatedKernel();
      sim.failNext('createMap', { errno: Errno.ENOMEM });
      expect(() => sim.createMap(arrayAttr)).toThrow(
        expect.objectContaining({
          errno: Errno.ENOMEM,
          message: expect.stringMatching(/BPF_MAP_CREATE on map a/),
        }),
      );
      expect(sim.openFds()).toEqual([]);
      sim.createMap(arrayAttr).close();
    });

    it('fails the n-th call, and a failed program load is a VerifierError with the injected log', () => {
      const sim = new SimulatedKernel();
      sim.failAt('loadProgram', 2, { errno: Errno.EACCES, log: '0: (bf) r0 = r2\nR2 !read_ok\n' });
      sim.loadProgram(socketFilter()).close();
      let caught: unknown;
      try {
        sim.loadProgram(socketFilter());
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(VerifierError);
      expect((caught as VerifierError).log).toContain('R2 !read_ok');
      expect((caught as VerifierError).message).toMatch(/refused it .*: R2 !read_ok$/);
      sim.loadProgram(socketFilter()).close();
      expect(sim.failures.calls('loadProgram')).toBe(3);
    });

    it('can make unpin fail too', () => {
      const sim = new SimulatedKernel();
      using map = sim.createMap(arrayAttr);
      sim.pin(map, '/sys/fs/bpf/m');
      sim.failNext('unpin', { errno: Errno.EACCES });
      expect(() => sim.unpin('/sys/fs/bpf/m')).toThrow(KernelError);
      expect(sim.pinnedPaths()).toEqual(['/sys/fs/bpf/m']);
      sim.unpin('/sys/fs/bpf/m');
      expect(sim.pinnedPaths()).toEqual([]);
    });
  });

  describe('program loads', () => {
    it('records a copy of every successful load', () => {
      const sim = new SimulatedKernel();
      const attr = socketFilter(5);
      sim.loadProgram(attr).close();
      attr.instructions[4] = 99;
      expect(sim.programLoads).toHaveLength(1);
      expect(sim.programLoads[0]!.instructions[4]).toBe(5);
      expect(sim.programLoads[0]!.name).toBe('p');
    });

    it('refuses a map reference to an fd that is not a map, with EBADF and a log', () => {
      const sim = new SimulatedKernel();
      const error = (() => {
        try {
          sim.loadProgram({ ...socketFilter(), instructions: usesMapFd(555) });
        } catch (e) {
          return e as VerifierError;
        }
      })();
      expect(error).toBeInstanceOf(VerifierError);
      expect(error?.errno).toBe(Errno.EBADF);
      expect(error?.log).toMatch(/fd 555 is not pointing to valid bpf_map/);
      expect(sim.programLoads).toHaveLength(0);
    });

    it('refuses a program whose last instruction does not leave it', () => {
      const sim = new SimulatedKernel();
      const insns = returnImmediate(0).slice(0, 8);
      expect(() => sim.loadProgram({ ...socketFilter(), instructions: insns })).toThrow(
        /last insn is not an exit or jmp/,
      );
    });

    it('asks a stand-in verifier when one is given', () => {
      const sim = new SimulatedKernel({
        verifier: (attr) => (attr.name === 'bad' ? 'R1 invalid mem access\n' : undefined),
      });
      sim.loadProgram(socketFilter()).close();
      expect(() => sim.loadProgram({ ...socketFilter(), name: 'bad' })).toThrow(
        expect.objectContaining({ errno: Errno.EACCES, log: 'R1 invalid mem access\n' }),
      );
    });

    it('keeps the maps a program uses alive while the program lives', () => {
      const sim = new SimulatedKernel();
      const map = sim.createMap(arrayAttr);
      const mapId = sim.mapInfo(map).id;
      const prog = sim.loadProgram({ ...socketFilter(), instructions: usesMapFd(map.value) });
      map.close();
      sim.mapFdById(mapId).close();
      prog.close();
      expect(() => sim.mapFdById(mapId)).toThrow(expect.objectContaining({ errno: Errno.ENOENT }));
    });
  });

  describe('older kernels', () => {
    it('refuses map and program types it is told to lack, and its probes agree', () => {
      const sim = new SimulatedKernel({
        unsupportedMapTypes: [MapType.RINGBUF],
        unsupportedProgramTypes: [ProgramType.XDP],
      });
      expect(sim.probeMapType(MapType.RINGBUF)).toBe(false);
      expect(sim.probeProgramType(ProgramType.XDP)).toBe(false);
      expect(() =>
        sim.createMap({ ...arrayAttr, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }),
      ).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
      expect(() => sim.loadProgram({ ...socketFilter(), type: ProgramType.XDP })).toThrow(VerifierError);
    });

    it('hashes program tags as the kernel it models: SHA-1 like 6.1, SHA-256 like 6.18', () => {
      // `r0 = 3; exit` as Debian 12's 6.1 and the host's 6.18 tagged it in the kernel lane
      const tagOf = (sim: SimulatedKernel) => {
        using prog = sim.loadProgram({ ...socketFilter(), instructions: returnImmediate(3) });
        return sim.programInfo(prog).tag;
      };
      expect(tagOf(new SimulatedKernel({ tagHash: 'sha1' }))).toBe('f95672269956c10d');
      expect(tagOf(new SimulatedKernel())).toBe('79aa95555f6b99c7');
    });
  });

  describe('map types it only creates', () => {
    it('creates a ring buffer with valid sizes and answers ENOTSUPP to element operations', () => {
      const sim = new SimulatedKernel();
      expect(() =>
        sim.createMap({ ...arrayAttr, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 1000 }),
      ).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
      using ring = sim.createMap({
        ...arrayAttr,
        type: MapType.RINGBUF,
        keySize: 0,
        valueSize: 0,
        maxEntries: 4096,
      });
      expect(() => sim.mapLookup(ring, new Uint8Array(0), new Uint8Array(0))).toThrow(
        expect.objectContaining({ errno: Errno.ENOTSUPP }),
      );
    });
  });

  describe('LRU hash', () => {
    it('evicts the least recently used key, not the oldest', () => {
      const sim = new SimulatedKernel();
      using lru = sim.createMap({
        type: MapType.LRU_HASH,
        keySize: 4,
        valueSize: 4,
        maxEntries: 2,
        flags: 0,
        name: 'lru',
      });
      sim.mapUpdate(lru, u32(1), u32(1));
      sim.mapUpdate(lru, u32(2), u32(2));
      sim.mapLookup(lru, u32(1), new Uint8Array(4));
      sim.mapUpdate(lru, u32(3), u32(3));
      expect(sim.mapEntries(lru).map((e) => readU32(e.key))).toEqual([1, 3]);
    });
  });

  describe('BTF', () => {
    it('checks the header and refuses a bad magic with a log like the kernel', () => {
      const sim = new SimulatedKernel();
      expect(() => sim.loadBtf(new Uint8Array(32).fill(1))).toThrow(BtfLoadError);
      expect(() => sim.loadBtf(new Uint8Array(32).fill(1))).toThrow(
        expect.objectContaining({ log: expect.stringMatching(/magic/) }),
      );
      expect(sim.btfLoads).toHaveLength(0);
    });
  });

  describe('test run', () => {
    it('interprets register-only programs', () => {
      const sim = new SimulatedKernel();
      // r0 = 5; r1 = 7; if r0 > r1 goto +1; r0 = r1; exit  -> 7
      const insns = new Uint8Array([
        0xb7, 0x00, 0, 0, 5, 0, 0, 0, 0xb7, 0x01, 0, 0, 7, 0, 0, 0, 0x2d, 0x10, 1, 0, 0, 0, 0, 0, 0xbf, 0x10,
        0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0,
      ]);
      using prog = sim.loadProgram({ ...socketFilter(), instructions: insns });
      expect(sim.testRun(prog, { data: new Uint8Array(14) }).retval).toBe(7);
    });

    it('says so instead of pretending when a program touches memory', () => {
      const sim = new SimulatedKernel();
      // r0 = *(u32 *)(r1 + 0); exit
      const insns = new Uint8Array([0x61, 0x10, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
      using prog = sim.loadProgram({ ...socketFilter(), instructions: insns });
      expect(() => sim.testRun(prog, {})).toThrow(NotSupportedError);
    });
  });
});
