import { ElfError, type ObjectFileView } from '@bpfkit/core';

// one decoder for every open: constructing a TextDecoder costs more than the decode
const utf8 = new TextDecoder();

/** The "license" section: a NUL-terminated string (libbpf's bpf_object__init_license). */
export function readLicense(file: ObjectFileView): string {
  const section = file.sections.find((s) => s.name === 'license');
  if (!section) return '';
  const data = file.sectionData(section.index);
  let end = data.indexOf(0);
  if (end === -1) end = data.length;
  // "GPL", "Dual BSD/GPL": ASCII by hand, as a TextDecoder call costs more than these few bytes
  let text = '';
  for (let i = 0; i < end; i++) {
    const c = data[i]!;
    if (c >= 0x80) return utf8.decode(data.subarray(0, end));
    text += String.fromCharCode(c);
  }
  return text;
}

/** The "version" section: the u32 kernel version older kprobe programs had to pass. */
export function readKernelVersion(file: ObjectFileView): number {
  const section = file.sections.find((s) => s.name === 'version');
  if (!section) return 0;
  const data = file.sectionData(section.index);
  if (data.length !== 4) {
    throw new ElfError(`the version section holds ${data.length} bytes, not a u32`, {
      location: { object: file.name, section: 'version', byteOffset: section.offset },
    });
  }
  return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, file.byteOrder === 'little');
}
