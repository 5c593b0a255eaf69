import { checkMapCreateAttr } from '../attr-checks.js';
import type { MapCreateAttr } from '../backend.js';
import { kernelObjectName } from '../object-name.js';
import type { AttrBuffer } from './attr-buffer.js';

/** Bytes of the BPF_MAP_CREATE struct up to map_extra: newer fields stay zero and are not sent. */
export const MAP_CREATE_SIZE = 72;

/** Writes the BPF_MAP_CREATE struct of union bpf_attr (after checking every field's range). */
export function writeMapCreateAttr(attr: AttrBuffer, map: MapCreateAttr): void {
  checkMapCreateAttr(map);
  attr.clear();
  attr.setU32(0, map.type);
  attr.setU32(4, map.keySize);
  attr.setU32(8, map.valueSize);
  attr.setU32(12, map.maxEntries);
  attr.setU32(16, map.flags);
  attr.setU32(20, map.innerMapFd ?? 0);
  attr.setU32(24, map.numaNode ?? 0);
  attr.setName(28, 16, kernelObjectName(map.name));
  attr.setU32(44, map.mapIfindex ?? 0);
  attr.setU32(48, map.btfFd ?? 0);
  attr.setU32(52, map.btfKeyTypeId ?? 0);
  attr.setU32(56, map.btfValueTypeId ?? 0);
  attr.setU32(60, map.btfVmlinuxValueTypeId ?? 0);
  attr.setBigU64(64, map.mapExtra ?? 0n);
}
