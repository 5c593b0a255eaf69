import { artifactKey, ElfError, type ObjectFileView, type OpenContext, type SectionView } from '@bpfkit/core';

// one decoder for every open: constructing a TextDecoder costs more than the decode
const utf8 = new TextDecoder();

/** What the object says about itself beside its code and maps: what every program of it carries. */
export interface ObjectMetadata {
  /** the "license" section's string; '' without one */
  license: string;
  /** the "version" section's u32; 0 without one */
  kernelVersion: number;
}

/** Read once per open: the spec and the program collector both ask. */
const ObjectMetadataArtifact = artifactKey<ObjectMetadata>('license and kernel version');

/**
 * The object's license and kernel version (libbpf's bpf_object__init_license and
 * bpf_object__init_kversion), found in one pass over the sections and kept with the open.
 */
export function objectMetadata(
  file: ObjectFileView,
  context: Pick<OpenContext, 'artifacts'>,
): ObjectMetadata {
  let metadata = context.artifacts.get(ObjectMetadataArtifact);
  if (metadata === undefined) {
    let license: SectionView | undefined;
    let version: SectionView | undefined;
    for (const section of file.sections) {
      if (section.name === 'license') license ??= section;
      else if (section.name === 'version') version ??= section;
    }
    metadata = {
      license: license ? readLicense(file, license) : '',
      kernelVersion: version ? readKernelVersion(file, version) : 0,
    };
    context.artifacts.set(ObjectMetadataArtifact, metadata);
  }
  return metadata;
}

/** The "license" section: a NUL-terminated string. */
function readLicense(file: ObjectFileView, section: SectionView): string {
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
function readKernelVersion(file: ObjectFileView, section: SectionView): number {
  const data = file.sectionData(section.index);
  if (data.length !== 4) {
    throw new ElfError(`the version section holds ${data.length} bytes, not a u32`, {
      location: { object: file.name, section: 'version', byteOffset: section.offset },
    });
  }
  return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, file.byteOrder === 'little');
}
