import { ElfError, NotFoundError } from '@bpfkit/core';
import { type HostElf, SHT_NOTE } from '../host-elf.js';

const NOTES_SECTION = '.note.stapsdt';
const BASE_SECTION = '.stapsdt.base';
const NOTE_OWNER = 'stapsdt';
const NT_STAPSDT = 3;

/** One probe site as sdt.h records it in a `.note.stapsdt` note (libbpf's struct usdt_note). */
export interface UsdtNote {
  provider: string;
  name: string;
  /** the argument specification: "-4@%edi 8@-8(%rsp) -4@$5", '' for a probe without arguments */
  args: string;
  /** link-time address of the probe's nop */
  location: bigint;
  /** link-time address of `.stapsdt.base`, for the prelink adjustment; 0 when not recorded */
  base: bigint;
  /** link-time address of the probe's semaphore (an unsigned short), 0 when it has none */
  semaphore: bigint;
}

/**
 * Every USDT note of a 64-bit binary, in file order (libbpf's gelf_getnote loop and
 * parse_usdt_note). Notes of other owners or types are skipped; a malformed stapsdt note is an
 * ElfError naming its offset. A binary without the notes section has no probes: NotFoundError.
 */
export function readUsdtNotes(elf: HostElf): UsdtNote[] {
  const section = elf.sections.find((s) => s.name === NOTES_SECTION);
  if (!section || section.type !== SHT_NOTE) {
    throw new NotFoundError(`${elf.path} has no USDT probes: no ${NOTES_SECTION} section`, {
      location: { object: elf.path },
      hint: 'USDT probes come from <sys/sdt.h> (STAP_PROBE / DTRACE_PROBE macros) compiled into the binary',
    });
  }
  if (section.offset + section.size > elf.bytes.length) {
    throw new ElfError(`${NOTES_SECTION} of ${elf.path} does not fit in the file`, {
      location: { object: elf.path, section: NOTES_SECTION },
    });
  }
  const data = elf.bytes.subarray(section.offset, section.offset + section.size);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const notes: UsdtNote[] = [];
  let at = 0;
  while (at + 12 <= data.length) {
    const nameSize = view.getUint32(at, true);
    const descSize = view.getUint32(at + 4, true);
    const type = view.getUint32(at + 8, true);
    const nameAt = at + 12;
    const descAt = nameAt + align4(nameSize);
    const next = descAt + align4(descSize);
    if (next > data.length) throw malformed(elf, section.offset + at, 'runs past the end of the section');
    const owner = text(data, nameAt, nameAt + nameSize);
    if (owner === NOTE_OWNER && type === NT_STAPSDT) {
      notes.push(parseNote(elf, data.subarray(descAt, descAt + descSize), section.offset + descAt));
    }
    at = next;
  }
  return notes;
}

/** sh_addr of `.stapsdt.base`, 0 when the binary has none (libbpf then applies no adjustment). */
export function stapsdtBase(elf: HostElf): bigint {
  return elf.sections.find((s) => s.name === BASE_SECTION)?.address ?? 0n;
}

/** The description: three 8-byte addresses, then provider, name and arguments, each NUL-ended. */
function parseNote(elf: HostElf, desc: Uint8Array, fileOffset: number): UsdtNote {
  if (desc.length < 24 + 3) throw malformed(elf, fileOffset, `has a ${desc.length}-byte description`);
  const view = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const strings: string[] = [];
  let at = 24;
  for (let i = 0; i < 3; i++) {
    const end = desc.indexOf(0, at);
    if (end < 0) {
      // sdt.h always ends the arguments with a NUL; libbpf accepts a missing one only there
      if (i < 2) throw malformed(elf, fileOffset, 'has a provider or name without a terminating NUL');
      strings.push(text(desc, at, desc.length));
      break;
    }
    strings.push(text(desc, at, end));
    at = end + 1;
  }
  const [provider = '', name = '', args = ''] = strings;
  if (name === '') throw malformed(elf, fileOffset, 'has no probe name');
  return {
    provider,
    name,
    // an argument string starting with ':' is an old sdt.h artefact meaning "no arguments"
    args: args.startsWith(':') ? '' : args,
    location: view.getBigUint64(0, true),
    base: view.getBigUint64(8, true),
    semaphore: view.getBigUint64(16, true),
  };
}

function malformed(elf: HostElf, byteOffset: number, problem: string): ElfError {
  return new ElfError(`a USDT note of ${elf.path} ${problem}`, {
    location: { object: elf.path, section: NOTES_SECTION, byteOffset },
  });
}

// arithmetic, not bitwise: note sizes are u32 and may not fit a signed 32-bit operation
const align4 = (n: number) => Math.ceil(n / 4) * 4;

function text(bytes: Uint8Array, start: number, end: number): string {
  const zero = bytes.subarray(start, end).indexOf(0);
  return Buffer.from(
    bytes.buffer,
    bytes.byteOffset + start,
    (zero < 0 ? end : start + zero) - start,
  ).toString('latin1');
}
