export { ObjectBtfArtifact, ObjectBtfExtArtifact } from './artifacts.js';
export { Btf, type ParseBtfOptions, parseBtf } from './btf.js';
export {
  type BtfExt,
  type BtfExtBlock,
  type BtfExtRecordRun,
  type BtfExtRecords,
  type BtfExtSection,
  CoreReloKind,
  type CoreReloRecord,
  type FuncInfoRecord,
  type LineInfoRecord,
  parseBtfExt,
  readBtfExtRecords,
} from './btf-ext.js';
export { readBtfFile } from './btf-file.js';
export { BtfBuilder, type BtfBuilderOptions, encodeBtf } from './builder.js';
export {
  BTF_MAGIC,
  type BtfKind,
  BtfKindNumber,
  type BtfLinkage,
  MAX_RESOLVE_DEPTH,
} from './constants.js';
export { type DatasecLayout, fixupDatasecs } from './datasec-fixup.js';
export { type BtfValue, decodeValue, enumName } from './decode-value.js';
export { encodeValue } from './encode-value.js';
export { type BtfHeader, type ByteOrder, detectByteOrder } from './header.js';
export { makeHiddenFunctionsStatic } from './hidden-functions.js';
export { loadKernelBtf } from './kernel-btf.js';
export type { MemberLocation } from './members.js';
export {
  datasecLayout,
  hiddenSubprograms,
  objectBtf,
  objectBtfSpecBytes,
  parsedObjectBtf,
} from './object-btf.js';
export { type BtfFeatures, sanitizeBtf } from './sanitize.js';
export type {
  BtfArray,
  BtfDatasec,
  BtfDeclTag,
  BtfEnum,
  BtfEnum64,
  BtfFloat,
  BtfFunc,
  BtfFuncProto,
  BtfFwd,
  BtfInt,
  BtfMember,
  BtfModifier,
  BtfParam,
  BtfPtr,
  BtfStruct,
  BtfType,
  BtfTypeDef,
  BtfVar,
  BtfVarSecinfo,
} from './types.js';
