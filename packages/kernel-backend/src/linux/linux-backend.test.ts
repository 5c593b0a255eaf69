// What only the real kernel can show: the verifier's own words, bpftool's view of our objects,
// the process's fd table, and the feature probes.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { MapType, ProgramType, VerifierError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { BtfLoadError } from '../kernel-errors.js';
import { programTag } from '../simulated/program-check.js';
import { SimulatedKernel } from '../simulated/simulated-kernel.js';
import {
  kernelOk,
  kernelSkipReason,
  linuxBackend,
  referencesMap,
  returnImmediate,
  tinyArrayAttr,
} from '../testing/kernel-gate.test-helpers.js';

/** `r0 = r2; exit`: reads r2, which the verifier knows was never written. */
const READS_UNINITIALISED_R2 = new Uint8Array([0xbf, 0x20, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

/** A straight line of `count` `r0 += 1` then exit: a verifier log that grows with count at level 2. */
function longProgram(count: number): Uint8Array {
  const bytes = new Uint8Array((count + 2) * 8);
  bytes[0] = 0xb7; // r0 = 0
  for (let i = 1; i <= count; i++) {
    bytes[i * 8] = 0x07; // r0 += 1
    bytes[i * 8 + 4] = 1;
  }
  bytes[(count + 1) * 8] = 0x95;
  return bytes;
}

const bpftoolOk = existsSync('/usr/sbin/bpftool') || existsSync('/usr/bin/bpftool');
const bpftool = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

describe.skipIf(!kernelOk)(`Linux backend${kernelOk ? '' : ` (skipped: ${kernelSkipReason})`}`, () => {
  describe('program load', () => {
    it('throws VerifierError carrying the verifier log when a program reads an uninitialised register', () => {
      const backend = linuxBackend();
      let caught: unknown;
      try {
        backend.loadProgram({
          type: ProgramType.SOCKET_FILTER,
          instructions: READS_UNINITIALISED_R2,
          license: 'GPL',
          name: 'bad_read',
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(VerifierError);
      const error = caught as VerifierError;
      expect(error.log).toContain('R2 !read_ok');
      expect(error.errno).toBe(Errno.EACCES);
      expect(error.truncated).toBe(false);
      expect(error.message).toMatch(
        /BPF_PROG_LOAD of program bad_read: the verifier refused it .*R2 !read_ok/,
      );
      expect(error.location.program).toBe('bad_read');
    });

    it('returns the verifier log of a successful load when asked for one', () => {
      const { fd, log } = linuxBackend().loadProgramWithLog({
        type: ProgramType.SOCKET_FILTER,
        instructions: returnImmediate(0),
        license: 'GPL',
        name: 'logged',
        logLevel: 1,
      });
      fd.close();
      expect(log).toMatch(/processed 2 insns/);
    });

    it('grows a too-small log buffer until the whole log fits', () => {
      const { fd, log } = linuxBackend().loadProgramWithLog({
        type: ProgramType.SOCKET_FILTER,
        instructions: longProgram(300),
        license: 'GPL',
        name: 'big_log',
        logLevel: 2,
        logSize: 256,
      });
      fd.close();
      expect(log.length).toBeGreaterThan(256);
      expect(log).toMatch(/processed 302 insns/);
    });

    it('gives the same program tags as the simulated kernel computes with the hash this kernel uses', () => {
      // Kernels differ in bpf_prog_calc_tag's hash (6.1: SHA-1, 6.18: SHA-256): learn it from one
      // program, then check a second one, whose map reference the tag must ignore.
      const backend = linuxBackend();
      const first = returnImmediate(3);
      using firstProg = backend.loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: first,
        license: 'GPL',
        name: 't',
      });
      const firstTag = backend.programInfo(firstProg).tag;
      const hash = (['sha1', 'sha256'] as const).find((h) => programTag(first, h) === firstTag);
      expect(hash, `tag ${firstTag} is neither hash of the instructions`).toBeDefined();

      using map = backend.createMap(tinyArrayAttr('tag_map'));
      const second = referencesMap(map.value); // the map's fd is zeroed before hashing
      using secondProg = backend.loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: second,
        license: 'GPL',
        name: 't2',
      });
      const sim = new SimulatedKernel(hash ? { tagHash: hash } : {});
      using simMap = sim.createMap(tinyArrayAttr('tag_map'));
      using simProg = sim.loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: referencesMap(simMap.value),
        license: 'GPL',
        name: 't2',
      });
      expect(sim.programInfo(simProg).tag).toBe(backend.programInfo(secondProg).tag);
    });
  });

  describe('BTF load', () => {
    it('refuses a blob with a bad magic with BtfLoadError and the kernel log', () => {
      const blob = new Uint8Array(32);
      blob[0] = 0x12;
      let caught: unknown;
      try {
        linuxBackend().loadBtf(blob);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BtfLoadError);
      expect((caught as BtfLoadError).errno).toBe(Errno.EINVAL);
      expect((caught as BtfLoadError).log).toMatch(/magic/i);
    });
  });

  describe.skipIf(!bpftoolOk)('compared with bpftool', () => {
    it('reports the map as `bpftool map show` does', () => {
      const backend = linuxBackend();
      using map = backend.createMap({
        type: MapType.HASH,
        keySize: 8,
        valueSize: 24,
        maxEntries: 77,
        flags: 1,
        name: 'vs_bpftool',
      });
      const info = backend.mapInfo(map);
      const theirs = bpftool('map', 'show', 'id', String(info.id));
      expect(theirs).toMatchObject({
        id: info.id,
        type: 'hash',
        name: 'vs_bpftool',
        flags: info.flags,
        bytes_key: 8,
        bytes_value: 24,
        max_entries: 77,
      });
    });

    it('reports the program as `bpftool prog show` does', () => {
      const backend = linuxBackend();
      using map = backend.createMap(tinyArrayAttr('prog_map'));
      const insns = referencesMap(map.value);
      using prog = backend.loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: insns,
        license: 'GPL',
        name: 'vs_bpftool',
      });
      const info = backend.programInfo(prog);
      const theirs = bpftool('prog', 'show', 'id', String(info.id));
      expect(theirs).toMatchObject({
        id: info.id,
        type: 'socket_filter',
        name: 'vs_bpftool',
        tag: info.tag,
        bytes_xlated: info.xlatedLength,
        map_ids: info.mapIds,
      });
      if (info.jitedLength > 0) expect(theirs.bytes_jited).toBe(info.jitedLength);
    });
  });

  describe('fds', () => {
    it('shows a created map in /proc/self/fdinfo until close() removes it', () => {
      const map = linuxBackend().createMap({
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: 3,
        flags: 0,
        name: 'fdinfo',
      });
      const path = `/proc/self/fdinfo/${map.value}`;
      const fdinfo = readFileSync(path, 'utf8');
      expect(fdinfo).toMatch(/^map_type:\s+2$/m);
      expect(fdinfo).toMatch(/^max_entries:\s+3$/m);
      map.close();
      expect(existsSync(path)).toBe(false);
    });

    it('closes program fds too, and dup() gives an independent one', () => {
      const prog = linuxBackend().loadProgram({
        type: ProgramType.SOCKET_FILTER,
        instructions: returnImmediate(0),
        license: 'GPL',
        name: 'closing',
      });
      const copy = prog.dup();
      prog.close();
      expect(existsSync(`/proc/self/fdinfo/${prog.value}`)).toBe(false);
      expect(readFileSync(`/proc/self/fdinfo/${copy.value}`, 'utf8')).toMatch(/^prog_type:\s+1$/m);
      copy.close();
    });
  });

  describe('errors', () => {
    it('names the command, the map and the errno for a closed raw fd', () => {
      const backend = linuxBackend();
      const map = backend.createMap({
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: 1,
        flags: 0,
        name: 'gone',
      });
      const raw = map.value;
      backend.mapLookup(raw, new Uint8Array(4), new Uint8Array(4));
      map.close();
      expect(() => backend.mapInfo(raw)).toThrow(/BPF_OBJ_GET_INFO_BY_FD on map fd \d+: .*\(EBADFD?\)/);
    });

    it('says a pin path outside bpffs is not on a bpffs', () => {
      expect(() => linuxBackend().getPinned('/nonexistent-bpffs/x')).toThrow(
        expect.objectContaining({ errno: Errno.ENOENT, hint: expect.stringMatching(/bpffs/) }),
      );
    });
  });

  describe('probes', () => {
    it('finds the map types of this 6.x kernel, including those that need BTF or special sizes', () => {
      const backend = linuxBackend();
      for (const type of [
        MapType.RINGBUF,
        MapType.SK_STORAGE,
        MapType.LPM_TRIE,
        MapType.QUEUE,
        MapType.HASH_OF_MAPS,
        MapType.STRUCT_OPS,
      ]) {
        expect(backend.probeMapType(type), `map type ${type}`).toBe(true);
      }
    });

    it('finds XDP, tc, tracing and the types that need an attach type loadable', () => {
      const backend = linuxBackend();
      expect(backend.probeProgramType(ProgramType.XDP)).toBe(true);
      expect(backend.probeProgramType(ProgramType.TRACING)).toBe(true);
      expect(backend.probeProgramType(ProgramType.CGROUP_SOCKOPT)).toBe(true);
      expect(backend.probeProgramType(ProgramType.SCHED_CLS)).toBe(true);
      expect(backend.probeProgramType(ProgramType.CGROUP_SOCK_ADDR)).toBe(true);
    });
  });
});
