import { totalmem } from 'node:os';
import {
  AttachType,
  isMapInMapType,
  KernelError,
  mapTypeName,
  NotFoundError,
  NotSupportedError,
} from '@bpfkit/core';
import {
  checkLinkCreateAttr,
  checkMapCreateAttr,
  checkProgLoadAttr,
  checkTestRunOptions,
} from '../attr-checks.js';
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
import { describeErrno, Errno } from '../errno.js';
import { type Fd, fdValue } from '../fd.js';
import type { CallSubject } from '../kernel-errors.js';
import { kernelObjectName } from '../object-name.js';
import { hostPossibleCpus } from '../possible-cpus.js';
import { type TcOperation, tcError } from '../tc/tc-errors.js';
import { checkBtfHeader } from './btf-check.js';
import { FailurePlan, type InjectedFault, type SimOperation } from './failures.js';
import { SimFault } from './fault.js';
import { interpret } from './interpreter.js';
import { linkTypeFor } from './link-type.js';
import * as ops from './map-commands.js';
import { createStore, isKnownMapType, valueBytesOf } from './map-factory.js';
import { ObjectTable } from './object-table.js';
import type { SimBtf, SimLink, SimMap, SimObject, SimProgram } from './objects.js';
import { PinTable } from './pin-table.js';
import { checkProgram, isKnownProgramType, type ProgramTagHash, programTag } from './program-check.js';
import { simulatedError } from './sim-errors.js';
import { SimTcHooks } from './tc-hooks.js';

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
  /** bytes one map may take before BPF_MAP_CREATE answers ENOMEM (default: this machine's memory) */
  memoryLimit?: number;
  /** answers BPF_PROG_TEST_RUN; the default interprets register-only programs */
  testRun?: (program: Readonly<SimProgram>, options: TestRunOptions) => TestRunResult;
  /** the hash of program tags, as bpf_prog_calc_tag of the kernel being modelled (default sha256, as 6.18) */
  tagHash?: ProgramTagHash;
}

const C = BpfCommand;

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
  /** os.totalmem() reads /proc/meminfo: once per kernel, not per map */
  readonly #memoryLimit: number;
  readonly #pins = new PinTable();
  readonly #objects: ObjectTable;
  readonly #tc = new SimTcHooks({
    program: (fd) => {
      const object = this.#objects.lookup(fd);
      if (!object) return Errno.EBADF;
      return object.kind === 'program' ? object : Errno.EINVAL;
    },
    hold: (program) => {
      program.refs++;
    },
    release: (program) => this.#objects.release(program),
  });

  constructor(options: SimulatedKernelOptions = {}) {
    this.#options = options;
    this.#cpus = options.possibleCpus ?? hostPossibleCpus();
    this.#memoryLimit = options.memoryLimit ?? totalmem();
    this.#objects = new ObjectTable(options.firstFd ?? 1000);
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
    return this.#objects.openFds();
  }

  /** pinned paths, sorted */
  pinnedPaths(): string[] {
    return this.#pins.paths();
  }

  /** what an fd refers to, for tests and dry-run reports */
  describeFd(fd: FdArg): Readonly<SimObject> | undefined {
    return this.#objects.lookup(fdValue(fd));
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
    this.#objects.close(fd);
  }

  // --- maps ---

  createMap(attr: MapCreateAttr): Fd {
    checkMapCreateAttr(attr);
    return this.#run(
      'createMap',
      C.MAP_CREATE,
      { what: `map ${attr.name}`, location: { map: attr.name } },
      () => {
        if (!isKnownMapType(attr.type) || this.#options.unsupportedMapTypes?.includes(attr.type)) {
          throw new SimFault(Errno.EINVAL);
        }
        if (attr.innerMapFd !== undefined && attr.innerMapFd !== 0) this.#objects.get(attr.innerMapFd, 'map');
        else if (isMapInMapType(attr.type)) throw new SimFault(Errno.EBADF);
        if (attr.btfFd) this.#objects.get(attr.btfFd, 'btf');
        const store = createStore(attr, {
          cpus: this.#cpus,
          memoryLimit: this.#memoryLimit,
          resolveSlot: (kind) => (fd) => this.#objects.get(fd, kind),
          release: (object) => this.#objects.release(object),
        });
        const map: SimMap = {
          kind: 'map',
          id: this.#objects.nextId('map'),
          refs: 0,
          attr: copyMapAttr(attr),
          name: kernelObjectName(attr.name),
          valueBytes: valueBytesOf(attr, this.#cpus),
          store,
          frozen: false,
        };
        this.#objects.maps.set(map.id, map);
        this.mapCreates.push(copyMapAttr(attr));
        return this.#objects.open(map);
      },
    );
  }

  mapLookup(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): boolean {
    return this.#mapOp('mapLookup', C.MAP_LOOKUP_ELEM, map, (sim) =>
      ops.lookupElem(sim, this.#cpus, key, value, flags),
    );
  }

  mapUpdate(map: FdArg, key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.#mapOp('mapUpdate', C.MAP_UPDATE_ELEM, map, (sim) =>
      ops.updateElem(sim, this.#cpus, key, value, flags),
    );
  }

  mapDelete(map: FdArg, key: Uint8Array): boolean {
    return this.#mapOp('mapDelete', C.MAP_DELETE_ELEM, map, (sim) => ops.deleteElem(sim, this.#cpus, key));
  }

  mapGetNextKey(map: FdArg, key: Uint8Array | null, nextKey: Uint8Array): boolean {
    return this.#mapOp('mapGetNextKey', C.MAP_GET_NEXT_KEY, map, (sim) =>
      ops.getNextKey(sim, this.#cpus, key, nextKey),
    );
  }

  mapLookupBatch(
    map: FdArg,
    inBatch: Uint8Array | null,
    outBatch: Uint8Array,
    keys: Uint8Array,
    values: Uint8Array,
    count: number,
  ): BatchResult {
    return this.#mapOp('mapLookupBatch', C.MAP_LOOKUP_BATCH, map, (sim) =>
      ops.lookupBatch(sim, this.#cpus, inBatch, outBatch, keys, values, count),
    );
  }

  mapUpdateBatch(map: FdArg, keys: Uint8Array, values: Uint8Array, count: number, flags = 0): number {
    return this.#mapOp('mapUpdateBatch', C.MAP_UPDATE_BATCH, map, (sim) =>
      ops.updateBatch(sim, this.#cpus, keys, values, count, flags),
    );
  }

  mapDeleteBatch(map: FdArg, keys: Uint8Array, count: number): number {
    return this.#mapOp('mapDeleteBatch', C.MAP_DELETE_BATCH, map, (sim) =>
      ops.deleteBatch(sim, this.#cpus, keys, count),
    );
  }

  mapLookupAndDelete(map: FdArg, key: Uint8Array | null, value: Uint8Array, flags = 0): boolean {
    return this.#mapOp('mapLookupAndDelete', C.MAP_LOOKUP_AND_DELETE_ELEM, map, (sim) =>
      ops.lookupAndDelete(sim, this.#cpus, key, value, flags),
    );
  }

  mapFreeze(map: FdArg): void {
    this.#mapOp('mapFreeze', C.MAP_FREEZE, map, ops.freeze);
  }

  nextId(kind: ObjectKind, after: number): number | undefined {
    let next: number | undefined;
    for (const object of this.#objects.openObjects()) {
      const id = object.id;
      if (object.kind === kind && id > after && (next === undefined || id < next)) next = id;
    }
    return next;
  }

  btfBytes(id: number): Uint8Array {
    const btf = this.#objects.btfs.get(id);
    if (!btf) throw new NotFoundError(`no BTF object with id ${id}`);
    return btf.data.slice();
  }

  bindMap(program: FdArg, map: FdArg): void {
    this.#run('bindMap', C.PROG_BIND_MAP, { what: 'bind map to program' }, () => {
      const prog = this.#objects.get(fdValue(program), 'program') as SimProgram;
      const bound = this.#objects.get(fdValue(map), 'map');
      if (!prog.mapIds.includes(bound.id)) prog.mapIds.push(bound.id);
    });
  }

  // --- programs and BTF ---

  loadProgram(attr: ProgLoadAttr): Fd {
    return this.loadProgramWithLog(attr).fd;
  }

  loadProgramWithLog(attr: ProgLoadAttr): ProgLoadResult {
    checkProgLoadAttr(attr);
    const subject = { what: `program ${attr.name}`, location: { program: attr.name } };
    return this.#run('loadProgram', C.PROG_LOAD, subject, () => {
      if (this.#options.unsupportedProgramTypes?.includes(attr.type) || !isKnownProgramType(attr.type)) {
        throw new SimFault(Errno.EINVAL);
      }
      if (attr.btfFd) this.#objects.get(attr.btfFd, 'btf');
      const mapIds = checkProgram(attr, (fd, instruction) => {
        const object = this.#objects.lookup(fd);
        if (object?.kind !== 'map') {
          throw new SimFault(Errno.EBADF, `${instruction}: fd ${fd} is not pointing to valid bpf_map\n`);
        }
        return object.id;
      });
      const refusal = this.#options.verifier?.(attr);
      if (refusal !== undefined) throw new SimFault(Errno.EACCES, refusal);
      const program: SimProgram = {
        kind: 'program',
        id: this.#objects.nextId('program'),
        refs: 0,
        attr: copyProgramAttr(attr),
        name: kernelObjectName(attr.name),
        tag: programTag(attr.instructions, this.#options.tagHash),
        mapIds,
        loadTime: process.hrtime.bigint(),
      };
      const funcTypeId = firstFuncTypeId(attr);
      if (funcTypeId !== undefined) program.funcTypeId = funcTypeId;
      for (const id of mapIds) this.#objects.maps.get(id)!.refs++;
      this.#objects.programs.set(program.id, program);
      this.programLoads.push(copyProgramAttr(attr));
      const count = attr.instructions.length / 8;
      const log =
        (attr.logLevel ?? 0) > 0 ? `processed ${count} insns (limit 1000000) (simulated kernel)\n` : '';
      return { fd: this.#objects.open(program), log };
    });
  }

  loadBtf(data: Uint8Array, _options: { logLevel?: number } = {}): Fd {
    return this.#run('loadBtf', C.BTF_LOAD, { what: 'BTF' }, () => {
      checkBtfHeader(data);
      const btf: SimBtf = { kind: 'btf', id: this.#objects.nextId('btf'), refs: 0, data: data.slice() };
      this.#objects.btfs.set(btf.id, btf);
      this.btfLoads.push(data.slice());
      return this.#objects.open(btf);
    });
  }

  testRun(program: FdArg, options: TestRunOptions): TestRunResult {
    checkTestRunOptions(options);
    return this.#run('testRun', C.PROG_TEST_RUN, { what: 'program' }, () => {
      const sim = this.#objects.get(fdValue(program), 'program') as SimProgram;
      if (this.#options.testRun) return this.#options.testRun(sim, options);
      const retval = Number(interpret(sim.attr.instructions) & 0xffff_ffffn);
      return { retval, duration: 0, dataOut: (options.data ?? new Uint8Array(0)).slice() };
    });
  }

  // --- links ---

  createLink(attr: LinkCreateAttr): Fd {
    checkLinkCreateAttr(attr);
    return this.#run('createLink', C.LINK_CREATE, { what: attr.what ?? 'link' }, () => {
      const program = this.#objects.get(attr.programFd, 'program') as SimProgram;
      // devices are not modelled, but an ifindex that is not a positive int names none (hasTcx's probe)
      if (
        attr.targetIfindex !== undefined &&
        (attr.targetIfindex | 0) <= 0 &&
        isDeviceHook(attr.attachType)
      ) {
        throw new SimFault(Errno.ENODEV);
      }
      const copy: LinkCreateAttr = { ...attr };
      if (attr.iterInfo) copy.iterInfo = attr.iterInfo.slice();
      return this.#openLink(copy, program);
    });
  }

  openRawTracepoint(program: FdArg, name: string | null): Fd {
    const what = name === null ? 'tracing program' : `raw tracepoint ${name}`;
    return this.#run('openRawTracepoint', C.RAW_TRACEPOINT_OPEN, { what }, () => {
      const sim = this.#objects.get(fdValue(program), 'program') as SimProgram;
      return this.#openLink({ programFd: fdValue(program), attachType: 0, what }, sim, name ?? undefined);
    });
  }

  /** Iterators produce their output in the kernel; the simulated kernel has none to run. */
  createIterator(link: FdArg): Fd {
    return this.#run('createIterator', C.ITER_CREATE, { what: 'iter link' }, () => {
      this.#objects.get(fdValue(link), 'link');
      throw new NotSupportedError('BPF iterators in the simulated kernel', undefined, {
        hint: 'reading an iterator runs its program: use the Linux backend',
      });
    });
  }

  detachLink(link: FdArg): void {
    this.#run('detachLink', C.LINK_DETACH, { what: 'link' }, () => {
      const sim = this.#objects.get(fdValue(link), 'link') as SimLink;
      if (sim.detached) throw new SimFault(Errno.ENOLINK);
      sim.detached = true;
    });
  }

  /** links still attached (open or pinned), for tests and dry-run reports */
  attachedLinks(): Readonly<LinkCreateAttr>[] {
    const links = new Set<SimLink>();
    for (const object of [...this.#objects.openObjects(), ...this.#pins.objects()]) {
      if (object.kind === 'link' && !object.detached) links.add(object);
    }
    return [...links].map((link) => link.attr);
  }

  #openLink(attr: LinkCreateAttr, program: SimProgram, rawTracepoint?: string): Fd {
    const link: SimLink = {
      kind: 'link',
      id: this.#objects.nextId('link'),
      refs: 0,
      attr,
      program,
      detached: false,
      ...(rawTracepoint === undefined ? {} : { rawTracepoint }),
    };
    program.refs++;
    this.linkCreates.push(attr);
    return this.#objects.open(link);
  }

  // --- tc (simulated/tc-hooks.ts) ---

  addClsactQdisc(ifindex: number, device?: string): boolean {
    return this.#tcRun(
      'addClsactQdisc',
      () => this.#tc.addClsact(ifindex, device),
      { ifindex, device },
      'qdisc add',
    );
  }

  deleteClsactQdisc(ifindex: number, device?: string): void {
    this.#tcRun(
      'deleteClsactQdisc',
      () => this.#tc.deleteClsact(ifindex, device),
      { ifindex, device },
      'qdisc del',
    );
  }

  addTcFilter(attr: TcBpfFilterAttr): TcFilter {
    return this.#tcRun('addTcFilter', () => this.#tc.add(attr), attr, 'filter add');
  }

  deleteTcFilter(filter: TcFilterRef): void {
    this.#tcRun('deleteTcFilter', () => this.#tc.delete(filter), filter, 'filter del');
  }

  tcFilters(hook: TcHook): TcFilter[] {
    return this.#tcRun('tcFilters', () => this.#tc.list(hook), hook, 'filter show');
  }

  /** An injected failure of a tc call fails as the kernel's refusal would. */
  #tcRun<T>(
    op: SimOperation,
    body: () => T,
    where: { ifindex: number; device?: string | undefined; direction?: string },
    operation: TcOperation,
  ): T {
    const injected = this.failures.onCall(op);
    if (injected) {
      const { device, ...rest } = where;
      throw tcError(operation, { ...rest, ...(device ? { device } : {}) }, injected.errno);
    }
    return body();
  }

  // --- bpffs ---

  /** Pins live in a flat namespace here: no directories are made, so none are reported. */
  pin(fd: FdArg, path: string): readonly string[] {
    return this.#run('pin', C.OBJ_PIN, { what: `pin ${path}` }, () => {
      const object = this.#objects.get(fdValue(fd));
      this.#pins.add(path, object);
      object.refs++;
      return [];
    });
  }

  getPinned(path: string): Fd {
    return this.#run('getPinned', C.OBJ_GET, { what: `pin ${path}` }, () => {
      const object = this.#pins.get(path);
      if (!object) throw new SimFault(Errno.ENOENT);
      return this.#objects.open(object);
    });
  }

  unpin(path: string): void {
    this.#fsCall('unpin', 'unlink', `unpin ${path}`, () => this.#objects.release(this.#pins.remove(path)));
  }

  renamePin(from: string, to: string): void {
    this.#fsCall('renamePin', 'rename', `rename ${from} to ${to}`, () => {
      for (const replaced of this.#pins.rename(from, to)) this.#objects.release(replaced);
    });
  }

  listPins(dir: string): string[] | undefined {
    return this.#pins.list(dir);
  }

  // --- introspection ---

  mapInfo(fd: FdArg): MapInfo {
    return this.#run('mapInfo', C.OBJ_GET_INFO_BY_FD, { what: 'map' }, () => {
      const map = this.#objects.get(fdValue(fd), 'map') as SimMap;
      const { attr } = map;
      return {
        type: attr.type,
        id: map.id,
        keySize: attr.keySize,
        valueSize: attr.valueSize,
        maxEntries: attr.maxEntries,
        flags: attr.flags,
        name: map.name,
        btfId: attr.btfFd ? (this.#objects.lookup(attr.btfFd)?.id ?? 0) : 0,
        btfKeyTypeId: attr.btfKeyTypeId ?? 0,
        btfValueTypeId: attr.btfValueTypeId ?? 0,
        mapExtra: attr.mapExtra ?? 0n,
        ifindex: attr.mapIfindex ?? 0,
      };
    });
  }

  programInfo(fd: FdArg): ProgramInfo {
    return this.#run('programInfo', C.OBJ_GET_INFO_BY_FD, { what: 'program' }, () => {
      const program = this.#objects.get(fdValue(fd), 'program') as SimProgram;
      return {
        type: program.attr.type,
        id: program.id,
        name: program.name,
        tag: program.tag,
        xlatedLength: program.attr.instructions.length,
        jitedLength: 0,
        mapIds: [...program.mapIds],
        btfId: program.attr.btfFd ? (this.#objects.lookup(program.attr.btfFd)?.id ?? 0) : 0,
        loadTime: program.loadTime,
        createdByUid: process.getuid?.() ?? 0,
        gplCompatible: GPL_COMPATIBLE.has(program.attr.license),
        funcTypeId: program.funcTypeId ?? 0,
      };
    });
  }

  mapFdById(id: number): Fd {
    return this.#byId('mapFdById', C.MAP_GET_FD_BY_ID, this.#objects.maps.get(id), `map id ${id}`);
  }

  programFdById(id: number): Fd {
    return this.#byId(
      'programFdById',
      C.PROG_GET_FD_BY_ID,
      this.#objects.programs.get(id),
      `program id ${id}`,
    );
  }

  btfFdById(id: number): Fd {
    return this.#byId('btfFdById', C.BTF_GET_FD_BY_ID, this.#objects.btfs.get(id), `BTF id ${id}`);
  }

  linkFdById(id: number): Fd {
    const live = [...this.#objects.openObjects(), ...this.#pins.objects()];
    const link = live.find((object) => object.kind === 'link' && object.id === id);
    return this.#byId('linkFdById', C.LINK_GET_FD_BY_ID, link, `link id ${id}`);
  }

  linkInfo(fd: FdArg): LinkInfo {
    return this.#run('linkInfo', C.OBJ_GET_INFO_BY_FD, { what: 'link' }, () => {
      const link = this.#objects.get(fdValue(fd), 'link') as SimLink;
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
      if (fault instanceof SimFault) throw simulatedError(cmd, fault, subject);
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
          throw simulatedError(cmd, fault, {
            what: `map ${name}`,
            location: { map: name },
            maxEntries: sim.attr.maxEntries,
          });
        }
        throw fault;
      }
    });
  }

  /** A file-system call on bpffs: an injected or real fault becomes the KernelError unlink/rename give. */
  #fsCall(op: SimOperation, call: string, what: string, body: () => void): void {
    const injected = this.failures.onCall(op);
    try {
      if (injected) throw new SimFault(injected.errno);
      body();
    } catch (fault) {
      if (!(fault instanceof SimFault)) throw fault;
      throw new KernelError(call, fault.errno, `${what}: ${describeErrno(fault.errno)}`);
    }
  }

  #byId(op: SimOperation, cmd: number, object: SimObject | undefined, what: string): Fd {
    return this.#run(op, cmd, { what }, () => {
      if (!object || object.refs === 0) throw new SimFault(Errno.ENOENT);
      return this.#objects.open(object);
    });
  }

  #mapOf(map: FdArg, cmd: number): SimMap {
    return this.#objects.get(fdValue(map, commandNameOf(cmd)), 'map') as SimMap;
  }

  toString(): string {
    const maps = [...this.#objects.maps.values()].map((m) => `${m.name}:${mapTypeName(m.attr.type)}`);
    return `SimulatedKernel(${this.#objects.openCount} fds, maps [${maps.join(', ')}], ${this.#objects.programs.size} programs)`;
  }
}

/** attach types whose link target is a device (targetIfindex) */
function isDeviceHook(attachType: number): boolean {
  return (
    attachType === AttachType.XDP ||
    attachType === AttachType.TCX_INGRESS ||
    attachType === AttachType.TCX_EGRESS
  );
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
