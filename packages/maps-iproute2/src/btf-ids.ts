import { type Btf, objectBtf } from '@bpfkit/btf';
import type { ObjectFileView, OpenContext } from '@bpfkit/core';
import type { Iproute2OpenOptions } from './options.js';

/** The BTF type ids iproute2 objects carry for one map definition. */
export interface ElfMapBtfIds {
  /** the VAR of the definition in DATASEC "maps" */
  varId: number;
  /** its type: struct bpf_elf_map */
  typeId: number;
  /** key and value of iproute2's `struct ____btf_map_<name> { key; value; }` annotation */
  keyTypeId?: number;
  valueTypeId?: number;
}

/**
 * Finds each map's BTF: the VAR named after it in DATASEC "maps" (clang leaves its offsets 0,
 * so by name), and iproute2's ____btf_map_<name> struct (bpf_btf_find_kv) for key and value.
 * BTF that cannot be read gives no ids and a warning: iproute2 also loads without it.
 */
export function elfMapBtfIds(
  file: ObjectFileView,
  names: readonly string[],
  context: OpenContext<Iproute2OpenOptions>,
): Map<string, ElfMapBtfIds> {
  const ids = new Map<string, ElfMapBtfIds>();
  const btf = readableBtf(file, context);
  if (!btf) return ids;
  const [datasec] = btf.findByName('maps', 'DATASEC');
  const datasecType = datasec === undefined ? undefined : btf.typeById(datasec);
  for (const name of names) {
    const secinfo =
      datasecType?.kind === 'DATASEC'
        ? datasecType.vars.find((v) => btf.typeName(v.type) === name)
        : undefined;
    if (!secinfo) continue;
    const variable = btf.typeById(secinfo.type);
    if (variable.kind !== 'VAR') continue;
    const entry: ElfMapBtfIds = { varId: variable.id, typeId: variable.type };
    const annotation = keyValueAnnotation(btf, name);
    if (annotation) Object.assign(entry, annotation);
    ids.set(name, entry);
  }
  return ids;
}

/** The object's shared BTF; BTF that cannot be read gives a warning and no ids, as iproute2 loads without it. */
function readableBtf(file: ObjectFileView, context: OpenContext): Btf | undefined {
  try {
    return objectBtf(file, context);
  } catch (error) {
    context.events.emit({
      type: 'warning',
      message: `iproute2 maps: BTF unreadable, map BTF ids left out: ${(error as Error).message}`,
      location: { object: context.objectName, section: '.BTF' },
    });
    return undefined;
  }
}

function keyValueAnnotation(btf: Btf, name: string): { keyTypeId: number; valueTypeId: number } | undefined {
  const [id] = btf.findByName(`____btf_map_${name}`, 'STRUCT');
  if (id === undefined) return undefined;
  const struct = btf.typeById(id);
  if (struct.kind !== 'STRUCT' || struct.members.length !== 2) return undefined;
  const [key, value] = struct.members;
  if (key!.name !== 'key' || value!.name !== 'value') return undefined;
  return { keyTypeId: key!.type, valueTypeId: value!.type };
}
