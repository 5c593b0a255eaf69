import { LinuxBackend } from '@bpfkit/kernel-backend';

const u32 = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
};

/** The u64 in slot `key` of a pinned array map, read through bpfkit's backend (BPF_OBJ_GET + lookup). */
export function readPinnedU64(path: string, key: number): bigint {
  const backend = new LinuxBackend();
  using map = backend.getPinned(path);
  const value = new Uint8Array(8);
  if (!backend.mapLookup(map, u32(key), value)) throw new Error(`${path} has no slot ${key}`);
  return new DataView(value.buffer).getBigUint64(0, true);
}
