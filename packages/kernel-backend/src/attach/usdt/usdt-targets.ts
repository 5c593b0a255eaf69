import { NotFoundError, NotSupportedError, UsageError } from '@bpfkit/core';
import { EM_X86_64, ET_DYN, ET_EXEC, type HostElf, type LoadSegment, segmentAt } from '../host-elf.js';
import { parseUsdtArguments, type UsdtArgument } from './usdt-arguments.js';
import { readUsdtNotes, stapsdtBase, type UsdtNote } from './usdt-notes.js';

/** One place a probe fires, resolved for attach (libbpf's struct usdt_target). */
export interface UsdtTarget {
  note: UsdtNote;
  /** the address the handler sees in its registers' ip: the key of `__bpf_usdt_ip_to_spec_id` */
  absoluteIp: bigint;
  /** where the probe is in the file: the uprobe's offset */
  fileOffset: bigint;
  /** where the semaphore is in the file (the uprobe's ref_ctr_offset), 0n when there is none */
  semaphoreOffset: bigint;
  args: UsdtArgument[];
}

export interface UsdtTargetOptions {
  /**
   * Only for a shared library (or PIE) traced without BPF cookies: the traced process's executable
   * mappings of this file (processMappings), where the ip -> spec id map needs absolute addresses.
   */
  mappings?: readonly LoadSegment[];
  /** whether the handler finds its spec through the BPF cookie (LINUX_HAS_BPF_COOKIE) */
  bpfCookie: boolean;
}

/**
 * Every site of probe `provider:name` in a binary, with file offsets for the uprobes and parsed
 * argument specs (libbpf's collect_usdt_targets). Addresses are moved by the `.stapsdt.base`
 * adjustment (prelink may have moved the text after the notes were written), then into the file
 * through the PT_LOAD segment that maps them; a probe must be in an executable segment and a
 * semaphore in a data one. No such probe is a NotFoundError listing the probes the binary has.
 */
export function usdtTargets(
  elf: HostElf,
  provider: string,
  name: string,
  options: UsdtTargetOptions,
): UsdtTarget[] {
  checkBinary(elf);
  const notes = readUsdtNotes(elf);
  const base = stapsdtBase(elf);
  const probe = `USDT ${provider}:${name} in ${elf.path}`;
  const targets: UsdtTarget[] = [];
  for (const note of notes) {
    if (note.provider !== provider || note.name !== name) continue;
    let absoluteIp = note.location;
    if (base !== 0n && note.base !== 0n) absoluteIp += base - note.base;
    const segment = segmentAt(elf, absoluteIp);
    if (!segment?.executable) {
      throw new UsageError(
        `${probe} at 0x${absoluteIp.toString(16)} is ${segment ? 'in a segment that is not executable' : 'in no loadable segment'}`,
        { location: { object: elf.path }, hint: 'the binary or its notes are damaged' },
      );
    }
    const fileOffset = absoluteIp - segment.start + segment.offset;
    if (elf.type === ET_DYN && !options.bpfCookie)
      absoluteIp = processAddress(probe, fileOffset, options.mappings);
    targets.push({
      note,
      absoluteIp,
      fileOffset,
      semaphoreOffset: note.semaphore === 0n ? 0n : semaphoreOffset(elf, note.semaphore, probe),
      args: parseUsdtArguments(note.args, probe),
    });
  }
  if (targets.length === 0) {
    const known = [...new Set(notes.map((n) => `${n.provider}:${n.name}`))];
    throw new NotFoundError(`no ${probe}`, {
      location: { object: elf.path },
      hint: `its probes: ${known.join(', ') || 'none'}`,
    });
  }
  return targets;
}

/** libbpf's sanity_check_usdt_elf, and the x86-64 argument syntax bpfkit reads. */
function checkBinary(elf: HostElf): void {
  if (elf.type !== ET_EXEC && elf.type !== ET_DYN) {
    throw new UsageError(`${elf.path} is not an executable or shared library (ELF type ${elf.type})`, {
      location: { object: elf.path },
    });
  }
  if (elf.machine !== EM_X86_64) {
    throw new NotSupportedError(
      'USDT arguments of non-x86-64 binaries',
      `${elf.path} is for ELF machine ${elf.machine}; bpfkit reads USDT arguments of x86-64 binaries`,
      { location: { object: elf.path } },
    );
  }
}

function semaphoreOffset(elf: HostElf, address: bigint, probe: string): bigint {
  const segment = segmentAt(elf, address);
  if (!segment || segment.executable) {
    throw new UsageError(
      `the semaphore of ${probe} at 0x${address.toString(16)} is ${segment ? 'in an executable segment' : 'in no loadable segment'}`,
      { location: { object: elf.path } },
    );
  }
  return address - segment.start + segment.offset;
}

/**
 * Without BPF cookies the handler looks its spec up by ip, so a position-independent binary needs
 * the address it is mapped at in the traced process (libbpf's find_vma_seg over /proc/PID/maps).
 */
function processAddress(
  probe: string,
  fileOffset: bigint,
  mappings: readonly LoadSegment[] | undefined,
): bigint {
  if (!mappings) {
    throw new NotSupportedError(
      'USDT in position-independent binaries for every process without BPF cookies',
      `${probe}: this kernel has no BPF cookies (bpf_get_attach_cookie), so the probe's address must be known, and it differs per process`,
      { hint: 'attach with the pid of one process that runs the binary' },
    );
  }
  const mapping = mappings.find((m) => m.offset <= fileOffset && fileOffset < m.offset + (m.end - m.start));
  if (!mapping) {
    throw new NotFoundError(`${probe}: the process does not map file offset 0x${fileOffset.toString(16)}`, {
      hint: 'is the library loaded in that process?',
    });
  }
  return mapping.start - mapping.offset + fileOffset;
}

/**
 * The executable mappings of `path` in a /proc/PID/maps text (libbpf's parse_vma_segs):
 * "7f5c6f5d8000-7f5c6f5d9000 r-xp 00001000 103:01 362990598   /usr/lib/libfoo.so".
 */
export function processMappings(mapsText: string, path: string): LoadSegment[] {
  const mappings: LoadSegment[] = [];
  for (const line of mapsText.split('\n')) {
    const match = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+\d+\s*(.*)$/.exec(line);
    if (!match || match[5] !== path || match[3]![2] !== 'x') continue;
    mappings.push({
      start: BigInt(`0x${match[1]}`),
      end: BigInt(`0x${match[2]}`),
      offset: BigInt(`0x${match[4]}`),
      executable: true,
    });
  }
  return mappings;
}
