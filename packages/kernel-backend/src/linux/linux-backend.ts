import { readdirSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { KernelError } from '@bpfkit/core';
import { createIterator, createLink, detachLink, openRawTracepoint } from '../attach/link-commands.js';
import type {
  BatchResult,
  FdArg,
  KernelBackend,
  LinkCreateAttr,
  LinkInfo,
  MapCreateAttr,
  MapInfo,
  ObjectKind,
  ProgLoadAttr,
  ProgLoadResult,
  ProgramInfo,
  TcBpfFilterAttr,
  TcFilter,
  TcFilterRef,
  TcHook,
  TestRunOptions,
  TestRunResult,
} from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { Fd, type FdOwner, fdValue } from '../fd.js';
import { MapShapes, mapShape } from '../map-shapes.js';
import { kernelObjectName } from '../object-name.js';
import { hostPossibleCpus } from '../possible-cpus.js';
import { AttrBuffer } from './attr-buffer.js';
import { loadBtf } from './btf-load.js';
import { btfObjectBytes, nextObjectId } from './introspection.js';
import { MAP_CREATE_SIZE, writeMapCreateAttr } from './map-create.js';
import { MapOps } from './map-ops.js';
import * as tc from './netlink/tc-operations.js';
import { readLinkInfo, readMapInfo, readProgramInfo } from './obj-info.js';
import { bindMapToProgram, fdById, getPinnedObject, pinObject } from './objects.js';
import { makeParentDirectories, removeEmptyDirectories } from './pin-directories.js';
import { probeMapType, probeProgramType } from './probes.js';
import { loadProgram } from './prog-load.js';
import { BpfSyscall } from './syscall.js';
import { testRun } from './test-run.js';

/** The real kernel, through syscall(SYS_bpf) via koffi. One instance per process is plenty. */
export class LinuxBackend implements KernelBackend {
  readonly kind = 'linux' as const;
  readonly #sys = new BpfSyscall();
  readonly #shapes = new MapShapes((fd) => {
    const info = readMapInfo(this.#sys, fd);
    return mapShape(
      info.name || `fd ${fd}`,
      info.type,
      info.keySize,
      info.valueSize,
      info.maxEntries,
      hostPossibleCpus(),
    );
  });
  readonly #maps = new MapOps(this.#sys, this.#shapes);
  readonly #createAttr = new AttrBuffer(MAP_CREATE_SIZE);
  readonly #mapTypeProbes = new Map<number, boolean>();
  readonly #programTypeProbes = new Map<number, boolean>();
  readonly #owner: FdOwner;

  constructor() {
    const sys = this.#sys;
    const shapes = this.#shapes;
    this.#owner = {
      close(fd) {
        shapes.forget(fd);
        const result = sys.close(fd);
        if (result < 0) throw new KernelError('close', -result, `close(${fd}) failed`);
      },
      dup(fd) {
        const result = sys.dup(fd);
        if (result < 0) throw new KernelError('fcntl', -result, `F_DUPFD_CLOEXEC of fd ${fd} failed`);
        shapes.forget(result);
        return result;
      },
    };
  }

  /** Wraps a descriptor this process owns (from another library, say) so that close() releases it. */
  adopt(fd: number): Fd {
    return this.#own(fd);
  }

  /** Every new descriptor goes through here: a number the kernel reuses must not keep a stale shape. */
  #own(fd: number): Fd {
    this.#shapes.forget(fd);
    return new Fd(fd, this.#owner);
  }

  createMap(attr: MapCreateAttr): Fd {
    writeMapCreateAttr(this.#createAttr, attr);
    const fd = this.#sys.call(BpfCommand.MAP_CREATE, this.#createAttr, MAP_CREATE_SIZE, {
      what: `map ${attr.name}`,
      location: { map: attr.name },
    });
    this.#shapes.set(
      fd,
      mapShape(
        kernelObjectName(attr.name),
        attr.type,
        attr.keySize,
        attr.valueSize,
        attr.maxEntries,
        this.possibleCpus(),
      ),
    );
    return new Fd(fd, this.#owner);
  }

  mapLookup(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): boolean {
    return this.#maps.lookup(typeof map === 'number' ? map : fdValue(map), key, value, flags);
  }

  mapUpdate(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.#maps.update(typeof map === 'number' ? map : fdValue(map), key, value, flags);
  }

  mapDelete(map: FdArg, key: Uint8Array): boolean {
    return this.#maps.delete(fdValue(map), key);
  }

  mapGetNextKey(map: FdArg, key: Uint8Array | null, nextKey: Uint8Array): boolean {
    return this.#maps.nextKey(fdValue(map), key, nextKey);
  }

  mapLookupBatch(
    map: FdArg,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): BatchResult {
    return this.#maps.lookupBatch(fdValue(map), inBatch, outBatch, keys, values, count);
  }

  mapUpdateBatch(map: FdArg, keys: Uint8Array, values: Uint8Array, count: number, flags = 0): number {
    return this.#maps.updateBatch(fdValue(map), keys, values, count, flags);
  }

  mapDeleteBatch(map: FdArg, keys: Uint8Array, count: number): number {
    return this.#maps.deleteBatch(fdValue(map), keys, count);
  }

  mapLookupAndDelete(map: FdArg, key: Uint8Array | null, value: Uint8Array, flags = 0): boolean {
    return this.#maps.lookupAndDelete(fdValue(map), key, value, flags);
  }

  mapFreeze(map: FdArg): void {
    this.#maps.freeze(fdValue(map));
  }

  nextId(kind: ObjectKind, after: number): number | undefined {
    return nextObjectId(this.#sys, kind, after);
  }

  btfBytes(id: number): Uint8Array {
    using fd = this.btfFdById(id);
    return btfObjectBytes(this.#sys, fd.value, id);
  }

  bindMap(program: FdArg, map: FdArg): void {
    bindMapToProgram(this.#sys, fdValue(program), fdValue(map));
  }

  loadProgram(attr: ProgLoadAttr): Fd {
    return this.#own(loadProgram(this.#sys, attr).fd);
  }

  loadProgramWithLog(attr: ProgLoadAttr): ProgLoadResult {
    const { fd, log } = loadProgram(this.#sys, attr);
    return { fd: this.#own(fd), log };
  }

  loadBtf(data: Uint8Array, options: { logLevel?: number } = {}): Fd {
    return this.#own(loadBtf(this.#sys, data, options.logLevel ?? 0));
  }

  testRun(program: FdArg, options: TestRunOptions): TestRunResult {
    return testRun(this.#sys, fdValue(program), options);
  }

  createLink(attr: LinkCreateAttr): Fd {
    return this.#own(createLink(this.#sys, attr));
  }

  openRawTracepoint(program: FdArg, name: string | null): Fd {
    return this.#own(openRawTracepoint(this.#sys, fdValue(program), name));
  }

  createIterator(link: FdArg): Fd {
    return this.#own(createIterator(this.#sys, fdValue(link)));
  }

  detachLink(link: FdArg): void {
    detachLink(this.#sys, fdValue(link));
  }

  // tc through rtnetlink: each call opens its own NETLINK_ROUTE socket (linux/netlink/tc-operations.ts)

  addClsactQdisc(ifindex: number, device?: string): boolean {
    return tc.addClsactQdisc(ifindex, device);
  }

  deleteClsactQdisc(ifindex: number, device?: string): void {
    tc.deleteClsactQdisc(ifindex, device);
  }

  addTcFilter(attr: TcBpfFilterAttr): TcFilter {
    return tc.addTcFilter(attr);
  }

  deleteTcFilter(filter: TcFilterRef): void {
    tc.deleteTcFilter(filter);
  }

  tcFilters(hook: TcHook): TcFilter[] {
    return tc.tcFilters(hook);
  }

  /** Creates missing parent directories first, as libbpf's make_parent_dir and iproute2 do. */
  pin(fd: FdArg, path: string): readonly string[] {
    const created = makeParentDirectories(path);
    try {
      pinObject(this.#sys, fdValue(fd), path);
    } catch (error) {
      removeEmptyDirectories(created);
      throw error;
    }
    return created;
  }

  getPinned(path: string): Fd {
    return this.#own(getPinnedObject(this.#sys, path));
  }

  unpin(path: string): void {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw fsError('unlink', `unpin ${path}`, error);
      try {
        rmdirSync(path);
      } catch (inner) {
        throw fsError('rmdir', `unpin ${path}`, inner);
      }
    }
  }

  renamePin(from: string, to: string): void {
    try {
      renameSync(from, to);
    } catch (error) {
      throw fsError('rename', `rename ${from} to ${to}`, error);
    }
  }

  listPins(dir: string): string[] | undefined {
    try {
      return readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError('readdir', `list pins in ${dir}`, error);
    }
  }

  mapInfo(fd: FdArg): MapInfo {
    return readMapInfo(this.#sys, fdValue(fd));
  }

  programInfo(fd: FdArg): ProgramInfo {
    return readProgramInfo(this.#sys, fdValue(fd));
  }

  mapFdById(id: number): Fd {
    return this.#own(fdById(this.#sys, BpfCommand.MAP_GET_FD_BY_ID, id, 'map'));
  }

  programFdById(id: number): Fd {
    return this.#own(fdById(this.#sys, BpfCommand.PROG_GET_FD_BY_ID, id, 'program'));
  }

  btfFdById(id: number): Fd {
    return this.#own(fdById(this.#sys, BpfCommand.BTF_GET_FD_BY_ID, id, 'BTF'));
  }

  linkFdById(id: number): Fd {
    return this.#own(fdById(this.#sys, BpfCommand.LINK_GET_FD_BY_ID, id, 'link'));
  }

  linkInfo(fd: FdArg): LinkInfo {
    return readLinkInfo(this.#sys, fdValue(fd));
  }

  possibleCpus(): number {
    return hostPossibleCpus();
  }

  probeMapType(type: number): boolean {
    let supported = this.#mapTypeProbes.get(type);
    if (supported === undefined) {
      supported = probeMapType(this, type);
      this.#mapTypeProbes.set(type, supported);
    }
    return supported;
  }

  probeProgramType(type: number): boolean {
    let supported = this.#programTypeProbes.get(type);
    if (supported === undefined) {
      supported = probeProgramType(this, type);
      this.#programTypeProbes.set(type, supported);
    }
    return supported;
  }
}

/** A file-system call on bpffs that failed, as the KernelError every backend call throws. */
function fsError(call: string, what: string, error: unknown): KernelError {
  const failure = error as NodeJS.ErrnoException;
  return new KernelError(call, -(failure.errno ?? -5), `${what}: ${failure.code ?? failure.message}`, {
    cause: error,
  });
}
