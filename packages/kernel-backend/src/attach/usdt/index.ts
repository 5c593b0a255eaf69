export { type HostElf, type HostSection, type LoadSegment, readHostElf } from '../host-elf.js';
export { kernelHasBpfCookie } from './bpf-cookie.js';
export { parseUsdtArguments, USDT_MAX_ARGS, UsdtArgType, type UsdtArgument } from './usdt-arguments.js';
export { attachUsdt, type UsdtAttachOptions } from './usdt-attach.js';
export { parseUsdtTarget, type UsdtAttacherOptions, usdtAttacher } from './usdt-attacher.js';
export {
  fillUsdtMaps,
  USDT_IP_MAP,
  USDT_SPECS_MAP,
  type UsdtMapEntries,
  type UsdtMaps,
  usdtMaps,
} from './usdt-maps.js';
export { readUsdtNotes, type UsdtNote } from './usdt-notes.js';
export { encodeUsdtSpec, USDT_SPEC_SIZE, type UsdtSpec } from './usdt-spec.js';
export { processMappings, type UsdtTarget, type UsdtTargetOptions, usdtTargets } from './usdt-targets.js';
