import { USDT_MAX_ARGS, type UsdtArgument } from './usdt-arguments.js';

/** What one probe site's handler needs: libbpf's struct usdt_spec / usdt.bpf.h's struct __bpf_usdt_spec. */
export interface UsdtSpec {
  args: readonly UsdtArgument[];
  /** what bpf_usdt_cookie() returns: the user's cookie for this attachment */
  cookie: bigint;
}

// struct __bpf_usdt_arg_spec: u64 val_off; a u32 of bitfields (arg_type:8, idx_reg_off:12,
// scale_bitshift:4, reserved:8, little-endian order); s16 reg_off; bool arg_signed; s8 arg_bitshift.
const ARG_SPEC_SIZE = 16;
const COOKIE_AT = USDT_MAX_ARGS * ARG_SPEC_SIZE;
const ARG_COUNT_AT = COOKIE_AT + 8;
/** sizeof(struct __bpf_usdt_spec): 12 argument specs, the u64 cookie, the s16 count, padding to 8 */
export const USDT_SPEC_SIZE = 208;

/**
 * The value of `__bpf_usdt_specs[spec id]` in host byte order, laid out as usdt.bpf.h reads it.
 * libbpf 1.1's header has `enum arg_type` where 1.7 has the bitfields: the type sits in the same
 * byte, and index register and scale are zero for every type but SIB, so both read this value.
 */
export function encodeUsdtSpec(spec: UsdtSpec): Uint8Array {
  const bytes = new Uint8Array(USDT_SPEC_SIZE);
  const view = new DataView(bytes.buffer);
  spec.args.forEach((arg, index) => {
    const at = index * ARG_SPEC_SIZE;
    view.setBigUint64(at, arg.valueOffset, true);
    view.setUint32(at + 8, arg.type | (arg.indexRegisterOffset << 8) | (arg.scaleShift << 20), true);
    view.setInt16(at + 12, arg.registerOffset, true);
    view.setUint8(at + 14, arg.signed ? 1 : 0);
    view.setInt8(at + 15, arg.bitShift);
  });
  view.setBigUint64(COOKIE_AT, BigInt.asUintN(64, spec.cookie), true);
  view.setInt16(ARG_COUNT_AT, spec.args.length, true);
  return bytes;
}
