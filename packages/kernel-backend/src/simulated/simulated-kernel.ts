import { basename } from 'node:path';
import {
  isMapInMapType,
  KernelError,
  MapType,
  mapTypeName,
  NotFoundError,
  NotSupportedError,
  UpdateFlag,
  VerifierError,
} from '@bpfkit/core';
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
  TestRunOptions,
  TestRunResult,
} from '../backend.js';
import { BpfCommand } from '../bpf-command.js';
import { describeErrno, Errno } from '../errno.js';
import { Fd, type FdOwner, fdValue } from '../fd.js';
import { BtfLoadError, bpfError, type CallSubject } from '../kernel-errors.js';
import { checkLength, mapShape } from '../map-shapes.js';
import { kernelObjectName } from '../object-name.js';
import { hostPossibleCpus } from '../possible-cpus.js';
import { lastLogLine } from '../verifier-log.js';
import { ArrayStore } from './array-store.js';
import { checkBtfHeader } from './btf-check.js';
import { FailurePlan, type InjectedFault, type SimOperation } from './failures.js';
import { SimFault } from './fault.js';
import { FdSlotStore } from './fd-slot-store.js';
import { interpret } from './interpreter.js';
import { linkTypeFor } from './link-type.js';
import { createStore, isKnownMapType, valueBytesOf } from './map-factory.js';
import type { SimBtf, SimLink, SimMap, SimObject, SimProgram } from './objects.js';
import { checkProgram, isKnownProgramType, programTag } from './program-check.js';

export interface SimulatedKernelOptions {
  /** possible CPUs, the stride of per-CPU values (default: this machine's) */
  possibleCpus?: number;
  /** the first fd number handed out (default 1000, far from any real descriptor) */
  firstFd?: number;
  /** map types to refuse with EINVAL, as an older kernel would */
  unsupportedMapTypes?: readonly number[];
  /** program types to refuse with EINVAL, as an older kernel would */
  unsupportedProgramTypes?: readonly number[];
  /** a stand-in verifier: return a log to refuse the program with EACCES, undefined to accept */
  verifier?: (attr: ProgLoadAttr) => string | undefined;
  /** answers BPF_PROG_TEST_RUN; the default interprets register-only programs */
  testRun?: (program: Readonly<SimProgram>, options: TestRunOptions) => TestRunResult;
}

const C = BpfCommand;

const hashTypes: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

/**
 * A kernel in memory that implements KernelBackend without a syscall: real array/hash/prog-array/
 * map-in-map semantics with the kernel's errnos, fake fds, pins, ids, and a record of every load.
 * It powers tests that need no privileges and `--dry-run`.
 */
export class SimulatedKernel implements KernelBackend {
  readonly kind = 'simulated' as const;
  /** every successful BPF_PROG_LOAD, as a copy of the attr */
  readonly programLoads: ProgLoadAttr[] = [];
  /** every successful BPF_MAP_CREATE, as a copy of the attr */
  readonly mapCreates: MapCreateAttr[] = [];
  /** every successful BPF_LINK_CREATE / BPF_RAW_TRACEPOINT_OPEN, as a copy of the attr */
  readonly linkCreates: LinkCreateAttr[] = [];
  /** every successful BPF_BTF_LOAD blob */
  readonly btfLoads: Uint8Array[] = [];
  /** scheduled failures: `sim.failures.failAt('createMap', 2, { errno: Errno.ENOMEM })` */
  readonly failures = new FailurePlan();

  readonly #options: SimulatedKernelOptions;
  readonly #cpus: number;
  readonly #fds = new Map<number, SimObject>();
  readonly #closed = new Set<number>();
  readonly #pins = new Map<string, SimObject>();
  readonly #maps = new Map<number, SimMap>();
  readonly #programs = new Map<number, SimProgram>();
  readonly #btfs = new Map<number, SimBtf>();
  readonly #ids = { map: 0, program: 0, btf: 0, link: 0 };
  readonly #owner: FdOwner;
  #nextFd: number;

  constructor(options: SimulatedKernelOptions = {}) {
    this.#options = options;
    this.#cpus = options.possibleCpus ?? hostPossibleCpus();
    this.#nextFd = options.firstFd ?? 1000;
    this.#owner = { close: (fd) => this.closeFd(fd), dup: (fd) => this.#dup(fd) };
  }

  // --- failure injection and inspection ---

  /** the next call of `op` fails with this errno (and log, for loads) */
  failNext(op: SimOperation, fault: InjectedFault): void {
    this.failures.failNext(op, fault);
  }

  /** the n-th call of `op` from now fails */
  failAt(op: SimOperation, n: number, fault: InjectedFault): void {
    this.failures.failAt(op, n, fault);
  }

  /** fd numbers still open, ascending: empty after a failed load that cleaned up */
  openFds(): number[] {
    return [...this.#fds.keys()].sort((a, b) => a - b);
  }

  /** pinned paths, sorted */
  pinnedPaths(): string[] {
    return [...this.#pins.keys()].sort();
  }

  /** what an fd refers to, for tests and dry-run reports */
  describeFd(fd: FdArg): Readonly<SimObject> | undefined {
    return this.#fds.get(typeof fd === 'number' ? fd : fd.value);
  }

  /** the entries of a map, in iteration order */
  mapEntries(map: FdArg): { key: Uint8Array; value: Uint8Array }[] {
    const sim = this.#mapOf(map, C.MAP_LOOKUP_ELEM);
    const entries: { key: Uint8Array; value: Uint8Array }[] = [];
    for (let key = sim.store.nextKey(null); key !== undefined; key = sim.store.nextKey(key)) {
      const value = sim.store.lookup(key);
      if (value !== undefined) entries.push({ key, value: value.slice() });
    }
    return entries;
  }

  /** close(2) of a simulated fd: closing one twice is an error, as it is a bug in the caller */
  closeFd(fd: number): void {
    const object = this.#fds.get(fd);
    if (!object) {
      const why = this.#closed.has(fd) ? 'was closed twice' : 'was never opened';
      throw new KernelError('close', Errno.EBADF, `close(${fd}): fd ${why}`);
    }
    this.#fds.delete(fd);
    this.#closed.add(fd);
    this.#release(object);
  }

  // --- maps ---

  createMap(attr: MapCreateAttr): Fd {
    return this.#run(
      'createMap',
      C.MAP_CREATE,
      { what: `map ${attr.name}`, location: { map: attr.name } },
      () => {
        if (!isKnownMapType(attr.type) || this.#options.unsupportedMapTypes?.includes(attr.type)) {
          throw new SimFault(Errno.EINVAL);
        }
        if (attr.innerMapFd !== undefined && attr.innerMapFd !== 0) this.#object(attr.innerMapFd, 'map');
        else if (isMapInMapType(attr.type)) throw new SimFault(Errno.EBADF);
        if (attr.btfFd) this.#object(attr.btfFd, 'btf');
        const store = createStore(attr, {
          cpus: this.#cpus,
          resolveSlot: (kind) => (fd) => this.#object(fd, kind),
          release: (object) => this.#release(object),
        });
        const map: SimMap = {
          kind: 'map',
          id: ++this.#ids.map,
          refs: 0,
          attr: copyMapAttr(attr),
          name: kernelObjectName(attr.name),
          valueBytes: valueBytesOf(attr, this.#cpus),
          store,
          frozen: false,
        };
        this.#maps.set(map.id, map);
        this.mapCreates.push(copyMapAttr(attr));
        return this.#open(map);
      },
    );
  }

  mapLookup(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): boolean {
    return this.#mapOp('mapLookup', C.MAP_LOOKUP_ELEM, map, (sim) => {
      this.#checkKey(sim, 'BPF_MAP_LOOKUP_ELEM', key);
      checkLength('BPF_MAP_LOOKUP_ELEM', this.#shape(sim), 'value', value, sim.valueBytes);
      if (flags !== 0) throw new SimFault(Errno.EINVAL); // BPF_F_LOCK needs a bpf_spin_lock value
      if (sim.attr.flags & 0x10 /* BPF_F_WRONLY */) throw new SimFault(Errno.EPERM);
      const found = sim.store.lookup(key);
      if (found === undefined) return false;
      value.set(found.subarray(0, value.length));
      return true;
    });
  }

  mapUpdate(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.#mapOp('mapUpdate', C.MAP_UPDATE_ELEM, map, (sim) => {
      this.#checkKey(sim, 'BPF_MAP_UPDATE_ELEM', key);
      checkLength('BPF_MAP_UPDATE_ELEM', this.#shape(sim), 'value', value, sim.valueBytes);
      this.#checkWritable(sim);
      if (flags & UpdateFlag.F_LOCK) throw new SimFault(Errno.EINVAL);
      sim.store.update(key, value, flags);
    });
  }

  mapDelete(map: FdArg, key: Uint8Array): boolean {
    return this.#mapOp('mapDelete', C.MAP_DELETE_ELEM, map, (sim) => {
      this.#checkKey(sim, 'BPF_MAP_DELETE_ELEM', key);
      this.#checkWritable(sim);
      return sim.store.delete(key);
    });
  }

  mapGetNextKey(map: FdArg, key: Uint8Array | null, nextKey: Uint8Array): boolean {
    return this.#mapOp('mapGetNextKey', C.MAP_GET_NEXT_KEY, map, (sim) => {
      if (key !== null) this.#checkKey(sim, 'BPF_MAP_GET_NEXT_KEY', key);
      checkLength('BPF_MAP_GET_NEXT_KEY', this.#shape(sim), 'nextKey', nextKey, sim.attr.keySize);
      const next = sim.store.nextKey(key);
      if (next === undefined) return false;
      nextKey.set(next.subarray(0, sim.attr.keySize));
      return true;
    });
  }

  mapLookupBatch(
    map: FdArg,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): BatchResult {
    return this.#mapOp('mapLookupBatch', C.MAP_LOOKUP_BATCH, map, (sim) => {
      const shape = this.#shape(sim);
      const { keySize } = sim.attr;
      checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'key', keys, keySize * count);
      checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'value', values, sim.valueBytes * count);
      checkLength('BPF_MAP_LOOKUP_BATCH', shape, 'key', outBatch, Math.max(keySize, 4));
      if (sim.store instanceof FdSlotStore) throw new SimFault(Errno.ENOTSUPP);
      // the resume token is opaque to user space; here it is the position reached, as a u32
      const start =
        inBatch === null ? 0 : new DataView(inBatch.buffer, inBatch.byteOffset, 4).getUint32(0, true);
      if (count === 0) return { count: 0, done: false };
      let position = 0;
      let written = 0;
      let exhausted = false;
      let key = sim.store.nextKey(null);
      while (written < count) {
        if (key === undefined) {
          exhausted = true;
          break;
        }
        if (position >= start) {
          keys.set(key.subarray(0, keySize), written * keySize);
          values.set(sim.store.lookup(key)!.subarray(0, sim.valueBytes), written * sim.valueBytes);
          written++;
        }
        position++;
        key = sim.store.nextKey(key);
      }
      new DataView(outBatch.buffer, outBatch.byteOffset, 4).setUint32(0, start + written, true);
      // arrays (generic_map_lookup_batch) report the end on the next call; hashes as soon as they reach it
      const isArray = sim.store instanceof ArrayStore;
      return { count: written, done: exhausted || (!isArray && key === undefined) };
    });
  }

  mapUpdateBatch(map: FdArg, keys: Uint8Array, values: Uint8Array, count: number, flags = 0): number {
    return this.#mapOp('mapUpdateBatch', C.MAP_UPDATE_BATCH, map, (sim) => {
      const { keySize } = sim.attr;
      checkLength('BPF_MAP_UPDATE_BATCH', this.#shape(sim), 'key', keys, keySize * count);
      checkLength('BPF_MAP_UPDATE_BATCH', this.#shape(sim), 'value', values, sim.valueBytes * count);
      this.#checkWritable(sim);
      for (let i = 0; i < count; i++) {
        const key = keys.subarray(i * keySize, (i + 1) * keySize);
        const value = values.subarray(i * sim.valueBytes, (i + 1) * sim.valueBytes);
        try {
          sim.store.update(key, value, flags);
        } catch (fault) {
          if (fault instanceof SimFault)
            throw this.#batchError(C.MAP_UPDATE_BATCH, fault.errno, sim, `${i} of ${count} written`);
          throw fault;
        }
      }
      return count;
    });
  }

  mapDeleteBatch(map: FdArg, keys: Uint8Array, count: number): number {
    return this.#mapOp('mapDeleteBatch', C.MAP_DELETE_BATCH, map, (sim) => {
      const { keySize } = sim.attr;
      checkLength('BPF_MAP_DELETE_BATCH', this.#shape(sim), 'key', keys, keySize * count);
      this.#checkWritable(sim);
      for (let i = 0; i < count; i++) {
        try {
          // the kernel stops at the first missing key; the count says how many went before it
          if (!sim.store.delete(keys.subarray(i * keySize, (i + 1) * keySize))) return i;
        } catch (fault) {
          if (fault instanceof SimFault)
            throw this.#batchError(C.MAP_DELETE_BATCH, fault.errno, sim, `${i} of ${count} deleted`);
          throw fault;
        }
      }
      return count;
    });
  }

  mapLookupAndDelete(map: FdArg, key: Uint8Array | null, value: Uint8Array, flags = 0): boolean {
    return this.#mapOp('mapLookupAndDelete', C.MAP_LOOKUP_AND_DELETE_ELEM, map, (sim) => {
      // hashes since 5.14; queues and stacks are not modelled here
      if (!hashTypes.has(sim.attr.type) || key === null) throw new SimFault(Errno.ENOTSUPP);
      this.#checkKey(sim, 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', key);
      checkLength('BPF_MAP_LOOKUP_AND_DELETE_ELEM', this.#shape(sim), 'value', value, sim.valueBytes);
      if (flags !== 0) throw new SimFault(Errno.EINVAL);
      this.#checkWritable(sim);
      const found = sim.store.lookup(key);
      if (found === undefined) return false;
      value.set(found.subarray(0, value.length));
      sim.store.delete(key);
      return true;
    });
  }

  mapFreeze(map: FdArg): void {
    this.#mapOp('mapFreeze', C.MAP_FREEZE, map, (sim) => {
      // map_freeze checks write permission first, which a frozen map has lost: EPERM, not EBUSY
      if (sim.frozen) throw new SimFault(Errno.EPERM);
      sim.frozen = true;
    });
  }

  nextId(kind: ObjectKind, after: number): number | undefined {
    let next: number | undefined;
    for (const object of this.#fds.values()) {
      const id = object.id;
      if (object.kind === kind && id > after && (next === undefined || id < next)) next = id;
    }
    return next;
  }

  btfBytes(id: number): Uint8Array {
    const btf = this.#btfs.get(id);
    if (!btf) throw new NotFoundError(`no BTF object with id ${id}`);
    return btf.data.slice();
  }

  bindMap(program: FdArg, map: FdArg): void {
    this.#run('bindMap', C.PROG_BIND_MAP, { what: 'bind map to program' }, () => {
      const prog = this.#object(fdValue(program), 'program') as SimProgram;
      const bound = this.#object(fdValue(map), 'map');
      if (!prog.mapIds.includes(bound.id)) prog.mapIds.push(bound.id);
    });
  }

  // --- programs and BTF ---

  loadProgram(attr: ProgLoadAttr): Fd {
    return this.loadProgramWithLog(attr).fd;
  }

  loadProgramWithLog(attr: ProgLoadAttr): ProgLoadResult {
    const subject = { what: `program ${attr.name}`, location: { program: attr.name } };
    return this.#run('loadProgram', C.PROG_LOAD, subject, () => {
      if (this.#options.unsupportedProgramTypes?.includes(attr.type) || !isKnownProgramType(attr.type)) {
        throw new SimFault(Errno.EINVAL);
      }
      if (attr.btfFd) this.#object(attr.btfFd, 'btf');
      const mapIds = checkProgram(attr, (fd, instruction) => {
        const object = this.#fds.get(fd);
        if (object?.kind !== 'map') {
          throw new SimFault(Errno.EBADF, `${instruction}: fd ${fd} is not pointing to valid bpf_map\n`);
        }
        return object.id;
      });
      const refusal = this.#options.verifier?.(attr);
      if (refusal !== undefined) throw new SimFault(Errno.EACCES, refusal);
      const program: SimProgram = {
        kind: 'program',
        id: ++this.#ids.program,
        refs: 0,
        attr: copyProgramAttr(attr),
        name: kernelObjectName(attr.name),
        tag: programTag(attr.instructions),
        mapIds,
        loadTime: process.hrtime.bigint(),
      };
      const funcTypeId = firstFuncTypeId(attr);
      if (funcTypeId !== undefined) program.funcTypeId = funcTypeId;
      for (const id of mapIds) this.#maps.get(id)!.refs++;
      this.#programs.set(program.id, program);
      this.programLoads.push(copyProgramAttr(attr));
      const count = attr.instructions.length / 8;
      const log =
        (attr.logLevel ?? 0) > 0 ? `processed ${count} insns (limit 1000000) (simulated kernel)\n` : '';
      return { fd: this.#open(program), log };
    });
  }

  loadBtf(data: Uint8Array, _options: { logLevel?: number } = {}): Fd {
    return this.#run('loadBtf', C.BTF_LOAD, { what: 'BTF' }, () => {
      checkBtfHeader(data);
      const btf: SimBtf = { kind: 'btf', id: ++this.#ids.btf, refs: 0, data: data.slice() };
      this.#btfs.set(btf.id, btf);
      this.btfLoads.push(data.slice());
      return this.#open(btf);
    });
  }

  testRun(program: FdArg, options: TestRunOptions): TestRunResult {
    return this.#run('testRun', C.PROG_TEST_RUN, { what: 'program' }, () => {
      const sim = this.#object(fdValue(program), 'program') as SimProgram;
      if (this.#options.testRun) return this.#options.testRun(sim, options);
      const retval = Number(interpret(sim.attr.instructions) & 0xffff_ffffn);
      return { retval, duration: 0, dataOut: (options.data ?? new Uint8Array(0)).slice() };
    });
  }

  // --- links ---

  createLink(attr: LinkCreateAttr): Fd {
    return this.#run('createLink', C.LINK_CREATE, { what: attr.what ?? 'link' }, () => {
      const program = this.#object(attr.programFd, 'program') as SimProgram;
      const copy: LinkCreateAttr = { ...attr };
      if (attr.iterInfo) copy.iterInfo = attr.iterInfo.slice();
      return this.#openLink(copy, program);
    });
  }

  openRawTracepoint(program: FdArg, name: string | null): Fd {
    const what = name === null ? 'tracing program' : `raw tracepoint ${name}`;
    return this.#run('openRawTracepoint', C.RAW_TRACEPOINT_OPEN, { what }, () => {
      const sim = this.#object(fdValue(program), 'program') as SimProgram;
      return this.#openLink({ programFd: fdValue(program), attachType: 0, what }, sim, name ?? undefined);
    });
  }

  /** Iterators produce their output in the kernel; the simulated kernel has none to run. */
  createIterator(link: FdArg): Fd {
    return this.#run('createIterator', C.ITER_CREATE, { what: 'iter link' }, () => {
      this.#object(fdValue(link), 'link');
      throw new NotSupportedError('BPF iterators in the simulated kernel', undefined, {
        hint: 'reading an iterator runs its program: use the Linux backend',
      });
    });
  }

  detachLink(link: FdArg): void {
    this.#run('detachLink', C.LINK_DETACH, { what: 'link' }, () => {
      const sim = this.#object(fdValue(link), 'link') as SimLink;
      if (sim.detached) throw new SimFault(Errno.ENOLINK);
      sim.detached = true;
    });
  }

  /** links still attached (open or pinned), for tests and dry-run reports */
  attachedLinks(): Readonly<LinkCreateAttr>[] {
    const links = new Set<SimLink>();
    for (const object of [...this.#fds.values(), ...this.#pins.values()]) {
      if (object.kind === 'link' && !object.detached) links.add(object);
    }
    return [...links].map((link) => link.attr);
  }

  #openLink(attr: LinkCreateAttr, program: SimProgram, rawTracepoint?: string): Fd {
    const link: SimLink = {
      kind: 'link',
      id: ++this.#ids.link,
      refs: 0,
      attr,
      program,
      detached: false,
      ...(rawTracepoint === undefined ? {} : { rawTracepoint }),
    };
    program.refs++;
    this.linkCreates.push(attr);
    return this.#open(link);
  }

  // --- bpffs ---

  pin(fd: FdArg, path: string): void {
    this.#run('pin', C.OBJ_PIN, { what: `pin ${path}` }, () => {
      const object = this.#object(fdValue(fd));
      if (!path.startsWith('/')) throw new SimFault(Errno.ENOENT);
      // bpffs refuses names with a dot (bpf_lookup in kernel/bpf/inode.c)
      if (basename(path).includes('.')) throw new SimFault(Errno.EPERM);
      if (this.#pins.has(path)) throw new SimFault(Errno.EEXIST);
      object.refs++;
      this.#pins.set(path, object);
    });
  }

  getPinned(path: string): Fd {
    return this.#run('getPinned', C.OBJ_GET, { what: `pin ${path}` }, () => {
      const object = this.#pins.get(path);
      if (!object) throw new SimFault(Errno.ENOENT);
      return this.#open(object);
    });
  }

  unpin(path: string): void {
    const fault = this.failures.onCall('unpin');
    const object = this.#pins.get(path);
    const errno = fault?.errno ?? (object ? 0 : Errno.ENOENT);
    if (errno !== 0) throw new KernelError('unlink', errno, `unpin ${path}: ${describeErrno(errno)}`);
    this.#pins.delete(path);
    this.#release(object!);
  }

  // --- introspection ---

  mapInfo(fd: FdArg): MapInfo {
    return this.#run('mapInfo', C.OBJ_GET_INFO_BY_FD, { what: 'map' }, () => {
      const map = this.#object(fdValue(fd), 'map') as SimMap;
      const { attr } = map;
      return {
        type: attr.type,
        id: map.id,
        keySize: attr.keySize,
        valueSize: attr.valueSize,
        maxEntries: attr.maxEntries,
        flags: attr.flags,
        name: map.name,
        btfId: attr.btfFd ? (this.#fds.get(attr.btfFd)?.id ?? 0) : 0,
        btfKeyTypeId: attr.btfKeyTypeId ?? 0,
        btfValueTypeId: attr.btfValueTypeId ?? 0,
        mapExtra: attr.mapExtra ?? 0n,
        ifindex: attr.mapIfindex ?? 0,
      };
    });
  }

  programInfo(fd: FdArg): ProgramInfo {
    return this.#run('programInfo', C.OBJ_GET_INFO_BY_FD, { what: 'program' }, () => {
      const program = this.#object(fdValue(fd), 'program') as SimProgram;
      return {
        type: program.attr.type,
        id: program.id,
        name: program.name,
        tag: program.tag,
        xlatedLength: program.attr.instructions.length,
        jitedLength: 0,
        mapIds: [...program.mapIds],
        btfId: program.attr.btfFd ? (this.#fds.get(program.attr.btfFd)?.id ?? 0) : 0,
        loadTime: program.loadTime,
        createdByUid: process.getuid?.() ?? 0,
        gplCompatible: GPL_COMPATIBLE.has(program.attr.license),
        funcTypeId: program.funcTypeId ?? 0,
      };
    });
  }

  mapFdById(id: number): Fd {
    return this.#byId('mapFdById', C.MAP_GET_FD_BY_ID, this.#maps.get(id), `map id ${id}`);
  }

  programFdById(id: number): Fd {
    return this.#byId('programFdById', C.PROG_GET_FD_BY_ID, this.#programs.get(id), `program id ${id}`);
  }

  btfFdById(id: number): Fd {
    return this.#byId('btfFdById', C.BTF_GET_FD_BY_ID, this.#btfs.get(id), `BTF id ${id}`);
  }

  linkFdById(id: number): Fd {
    const live = [...this.#fds.values(), ...this.#pins.values()];
    const link = live.find((object) => object.kind === 'link' && object.id === id);
    return this.#byId('linkFdById', C.LINK_GET_FD_BY_ID, link, `link id ${id}`);
  }

  linkInfo(fd: FdArg): LinkInfo {
    return this.#run('linkInfo', C.OBJ_GET_INFO_BY_FD, { what: 'link' }, () => {
      const link = this.#object(fdValue(fd), 'link') as SimLink;
      const { attr } = link;
      return {
        type: linkTypeFor(attr.attachType, link.rawTracepoint !== undefined),
        id: link.id,
        programId: link.program.id,
        ...(link.rawTracepoint === undefined
          ? { attachType: attr.attachType }
          : { tracepoint: link.rawTracepoint }),
        ...(attr.targetIfindex ? { ifindex: attr.targetIfindex } : {}),
      };
    });
  }

  possibleCpus(): number {
    return this.#cpus;
  }

  probeMapType(type: number): boolean {
    return isKnownMapType(type) && !this.#options.unsupportedMapTypes?.includes(type);
  }

  probeProgramType(type: number): boolean {
    return isKnownProgramType(type) && !this.#options.unsupportedProgramTypes?.includes(type);
  }

  // --- internals ---

  /** Runs one simulated command: injected failure first, then SimFault -> the Linux backend's error. */
  #run<T>(op: SimOperation, cmd: number, subject: CallSubject, body: () => T): T {
    const injected = this.failures.onCall(op);
    try {
      if (injected) throw new SimFault(injected.errno, injected.log ?? '');
      return body();
    } catch (fault) {
      if (fault instanceof SimFault) throw this.#error(cmd, fault, subject);
      throw fault;
    }
  }

  #mapOp<T>(op: SimOperation, cmd: number, map: FdArg, body: (sim: SimMap) => T): T {
    let name: string | undefined;
    return this.#run(op, cmd, {}, () => {
      const sim = this.#mapOf(map, cmd);
      name = sim.name;
      try {
        return body(sim);
      } catch (fault) {
        if (fault instanceof SimFault) {
          throw this.#error(cmd, fault, {
            what: `map ${name}`,
            location: { map: name },
            maxEntries: sim.attr.maxEntries,
          });
        }
        throw fault;
      }
    });
  }

  #error(cmd: number, fault: SimFault, subject: CallSubject): Error {
    const what = subject.what ?? 'object';
    if (cmd === C.PROG_LOAD && (fault.errno === Errno.EINVAL || fault.errno === Errno.EACCES || fault.log)) {
      const program = subject.location?.program ?? what;
      const reason = lastLogLine(fault.log);
      return new VerifierError(
        fault.errno,
        `BPF_PROG_LOAD of program ${program}: the verifier refused it (${describeErrno(fault.errno)})${reason ? `: ${reason}` : ''}`,
        fault.log,
        false,
        { location: subject.location ?? {} },
      );
    }
    if (cmd === C.BTF_LOAD && fault.errno !== Errno.EPERM) {
      const reason = lastLogLine(fault.log);
      return new BtfLoadError(
        fault.errno,
        `BPF_BTF_LOAD: the kernel refused the BTF (${describeErrno(fault.errno)})${reason ? `: ${reason}` : ''}`,
        fault.log,
      );
    }
    return bpfError(cmd, fault.errno, { privileged: true, ...subject });
  }

  #batchError(cmd: number, errno: number, sim: SimMap, detail: string): Error {
    const error = bpfError(cmd, errno, {
      privileged: true,
      what: `map ${sim.name}`,
      location: { map: sim.name },
    });
    error.message += ` (${detail})`;
    return error;
  }

  #byId(op: SimOperation, cmd: number, object: SimObject | undefined, what: string): Fd {
    return this.#run(op, cmd, { what }, () => {
      if (!object || object.refs === 0) throw new SimFault(Errno.ENOENT);
      return this.#open(object);
    });
  }

  #open(object: SimObject): Fd {
    const fd = this.#nextFd++;
    object.refs++;
    this.#fds.set(fd, object);
    return new Fd(fd, this.#owner);
  }

  #dup(fd: number): number {
    const object = this.#fds.get(fd);
    if (!object) throw new KernelError('fcntl', Errno.EBADF, `F_DUPFD_CLOEXEC of fd ${fd}: not open`);
    const copy = this.#nextFd++;
    object.refs++;
    this.#fds.set(copy, object);
    return copy;
  }

  /** The object behind an fd: EBADF when not open, EINVAL when of another kind (as bpf() says). */
  #object(fd: number, kind?: SimObject['kind']): SimObject {
    const object = this.#fds.get(fd);
    if (!object) throw new SimFault(Errno.EBADF);
    if (kind && object.kind !== kind) throw new SimFault(Errno.EINVAL);
    return object;
  }

  #mapOf(map: FdArg, cmd: number): SimMap {
    return this.#object(fdValue(map, commandNameOf(cmd)), 'map') as SimMap;
  }

  #shape(sim: SimMap) {
    const { attr } = sim;
    return mapShape(sim.name, attr.type, attr.keySize, attr.valueSize, attr.maxEntries, this.#cpus);
  }

  #checkKey(sim: SimMap, syscall: string, key: Uint8Array): void {
    checkLength(syscall, this.#shape(sim), 'key', key, sim.attr.keySize);
  }

  #checkWritable(sim: SimMap): void {
    // map_update_elem: frozen maps and BPF_F_RDONLY maps refuse syscall writes with EPERM
    if (sim.frozen || sim.attr.flags & 0x08 /* BPF_F_RDONLY */) throw new SimFault(Errno.EPERM);
  }

  #release(object: SimObject): void {
    object.refs--;
    if (object.refs > 0) return;
    if (object.kind === 'map') {
      this.#maps.delete(object.id);
      if (object.store instanceof FdSlotStore) object.store.releaseAll();
    } else if (object.kind === 'program') {
      this.#programs.delete(object.id);
      for (const id of object.mapIds) {
        const map = this.#maps.get(id);
        if (map) this.#release(map);
      }
    } else if (object.kind === 'link') {
      this.#release(object.program);
    } else {
      this.#btfs.delete(object.id);
    }
  }

  toString(): string {
    const maps = [...this.#maps.values()].map((m) => `${m.name}:${mapTypeName(m.attr.type)}`);
    return `SimulatedKernel(${this.#fds.size} fds, maps [${maps.join(', ')}], ${this.#programs.size} programs)`;
  }
}

function commandNameOf(cmd: number): string {
  return Object.entries(BpfCommand).find(([, v]) => v === cmd)?.[0] ?? 'bpf';
}

function copyMapAttr(attr: MapCreateAttr): MapCreateAttr {
  return { ...attr };
}

function copyProgramAttr(attr: ProgLoadAttr): ProgLoadAttr {
  const copy: ProgLoadAttr = { ...attr, instructions: attr.instructions.slice() };
  if (attr.funcInfo) copy.funcInfo = attr.funcInfo.slice();
  if (attr.lineInfo) copy.lineInfo = attr.lineInfo.slice();
  if (attr.fdArray) copy.fdArray = attr.fdArray.slice();
  return copy;
}

/** The licenses the kernel's license_is_gpl_compatible() accepts. */
const GPL_COMPATIBLE: ReadonlySet<string> = new Set([
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
]);

/** type_id of the first struct bpf_func_info record (insn_off, type_id), in host byte order. */
function firstFuncTypeId(attr: ProgLoadAttr): number | undefined {
  const info = attr.funcInfo;
  if (!info || info.length < 8) return undefined;
  return new DataView(info.buffer, info.byteOffset, info.length).getUint32(4, true);
}
