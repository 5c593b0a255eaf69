import { BpfCommand } from '../bpf-command.js';
import { AttrBuffer } from './attr-buffer.js';
import { addressOf } from './libc.js';
import type { BpfSyscall } from './syscall.js';

// The BPF_OBJ_* struct of union bpf_attr: pathname, bpf_fd, file_flags.
const OBJ_SIZE = 16;
// The *_GET_FD_BY_ID struct: id, next_id, open_flags.
const BY_ID_SIZE = 12;

/** BPF_OBJ_PIN: makes `fd` reachable at `path` on a bpffs. */
export function pinObject(sys: BpfSyscall, fd: number, path: string): void {
  const pathname = Buffer.from(`${path}\0`, 'utf8');
  const attr = new AttrBuffer(OBJ_SIZE);
  attr.setU64(0, addressOf(pathname));
  attr.setU32(8, fd);
  sys.call(BpfCommand.OBJ_PIN, attr, OBJ_SIZE, { what: `pin ${path}` });
}

/** BPF_OBJ_GET: a new fd for the object pinned at `path`. */
export function getPinnedObject(sys: BpfSyscall, path: string, fileFlags = 0): number {
  const pathname = Buffer.from(`${path}\0`, 'utf8');
  const attr = new AttrBuffer(OBJ_SIZE);
  attr.setU64(0, addressOf(pathname));
  attr.setU32(12, fileFlags);
  return sys.call(BpfCommand.OBJ_GET, attr, OBJ_SIZE, { what: `pin ${path}` });
}

/** BPF_{MAP,PROG,BTF,LINK}_GET_FD_BY_ID */
export function fdById(sys: BpfSyscall, cmd: number, id: number, what: string): number {
  const attr = new AttrBuffer(BY_ID_SIZE);
  attr.setU32(0, id);
  return sys.call(cmd, attr, BY_ID_SIZE, { what: `${what} id ${id}` });
}

// The BPF_PROG_BIND_MAP struct of union bpf_attr: prog_fd, map_fd, flags.
const BIND_MAP_SIZE = 12;

/** BPF_PROG_BIND_MAP: the program holds a reference to the map (libbpf binds .rodata this way). */
export function bindMapToProgram(sys: BpfSyscall, programFd: number, mapFd: number): void {
  const attr = new AttrBuffer(BIND_MAP_SIZE);
  attr.setU32(0, programFd);
  attr.setU32(4, mapFd);
  sys.call(BpfCommand.PROG_BIND_MAP, attr, BIND_MAP_SIZE, { what: 'bind map to program' });
}
