import { Errno } from '../errno.js';
import { SimFault } from './fault.js';

const BTF_MAGIC = 0xeb9f;
const HEADER_SIZE = 24;

/**
 * The header checks of btf_parse_hdr (kernel/bpf/btf.c): magic, version, a header that fits and
 * type/string sections inside the blob. The simulated kernel stops there; the type graph is taken
 * on trust. Refusals carry a log worded like the kernel's.
 */
export function checkBtfHeader(data: Uint8Array): void {
  if (data.length < HEADER_SIZE) throw new SimFault(Errno.EINVAL, 'btf_header not found\n');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC)
    throw new SimFault(Errno.EINVAL, `magic: 0x${magic.toString(16)}\nInvalid magic\n`);
  if (view.getUint8(2) !== 1) throw new SimFault(Errno.EINVAL, 'Unsupported version\n');
  const headerLength = view.getUint32(4, true);
  if (headerLength < HEADER_SIZE || headerLength > data.length) {
    throw new SimFault(Errno.EINVAL, `hdr_len ${headerLength}\nUnsupported btf_header\n`);
  }
  const body = data.length - headerLength;
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  if (typeOff + typeLen > body || strOff + strLen > body) {
    throw new SimFault(Errno.EINVAL, 'Total section length too long\n');
  }
  if (strLen === 0 || data[headerLength + strOff] !== 0) {
    throw new SimFault(Errno.EINVAL, 'Invalid string section\n');
  }
}
