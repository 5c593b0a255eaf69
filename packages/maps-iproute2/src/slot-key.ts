/**
 * A u32 map key as the kernel reads it at load: host byte order, which is little-endian on
 * every machine bpfkit loads on (x86-64, arm64). The object's own byte order does not matter:
 * iproute2 passes a host u32 to BPF_MAP_UPDATE_ELEM too.
 */
export function u32Key(value: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, value, true);
  return key;
}
