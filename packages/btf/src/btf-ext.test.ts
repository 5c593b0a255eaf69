import { readFileSync } from 'node:fs';
import { BtfError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { parseBtf } from './btf.js';
import { CoreReloKind, parseBtfExt, readBtfExtRecords } from './btf-ext.js';
import { BYTE_ORDERS, fixturePath, loadFixture } from './test-support/elf.js';

const sourceLines = readFileSync(fixturePath('btf_kinds.bpf.c'), 'utf8').split('\n');

describe.each(BYTE_ORDERS)('.BTF.ext of btf_kinds.%s.o', (suffix, byteOrder) => {
  const object = loadFixture(`btf_kinds.${suffix}.o`);
  const btf = parseBtf(object.section('.BTF').data);
  const ext = parseBtfExt(object.section('.BTF.ext').data, btf);

  it.each([
    ['lineInfo', 4, 'file_name_off'],
    ['lineInfo', 8, 'line_off'],
    ['coreRelos', 8, 'access_str_off'],
  ] as const)(
    'refuses a %s record whose string offset at +%i (%s) is past the strings',
    (block, field, name) => {
      const data = object.section('.BTF.ext').data;
      const run = readBtfExtRecords(data, btf)[block].runs[0]!;
      const copy = data.slice();
      // the last record of the run: the check must reach every record, not only the first
      const at = run.start + (run.count - 1) * 16 + field;
      new DataView(copy.buffer).setUint32(at, btf.stringsLength, byteOrder === 'little');
      let error: unknown;
      try {
        readBtfExtRecords(copy, btf);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(BtfError);
      expect((error as BtfError).location).toMatchObject({
        field: name,
        byteOffset: at,
        section: run.section,
      });
    },
  );

  it('reads the header in the object byte order', () => {
    expect(ext.byteOrder).toBe(byteOrder);
    expect(ext.recordSizes).toEqual({ funcInfo: 8, lineInfo: 16, coreRelo: 16 });
  });

  it('maps func_info records to the FUNC of each function, with byte offsets', () => {
    const bySection = Object.fromEntries(ext.funcInfo.map((s) => [s.section, s.records]));
    expect(Object.keys(bySection).sort()).toEqual(['.text', 'xdp']);
    expect(bySection.xdp).toEqual([{ insnOff: 0, typeId: btf.findOne('xdp_prog', 'FUNC') }]);
    const text = bySection['.text']!;
    expect(text.map((r) => btf.typeName(r.typeId)).sort()).toEqual(['global_helper', 'static_helper']);
    // insn_off is in bytes: a multiple of the 8-byte instruction size
    for (const record of text) expect(record.insnOff % 8).toBe(0);
  });

  it('reads line_info whose line numbers point at the quoted source line', () => {
    const records = ext.lineInfo.flatMap((s) => s.records);
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) {
      expect(record.fileName).toMatch(/btf_kinds\.bpf\.c$/);
      expect(sourceLines[record.lineNumber - 1]).toBe(record.line);
      expect(record.column).toBeGreaterThanOrEqual(0);
      expect(btf.name(record.lineOff)).toBe(record.line);
    }
  });

  it('reads the CO-RE relocation of bpf_core_field_exists(e->comm)', () => {
    const relos = ext.coreRelos.flatMap((s) => s.records);
    expect(relos).toEqual([
      expect.objectContaining({
        kind: CoreReloKind.FIELD_EXISTS,
        accessStr: '0:1',
        typeId: btf.findOne('event', 'STRUCT'),
      }),
    ]);
    expect(ext.coreRelos[0]!.section).toBe('xdp');
  });
});

/** A little-endian .BTF.ext with one func_info section of `count` records of `recSize` bytes. */
function extWithFuncInfo(recSize: number, count: number, declaredCount = count): Uint8Array {
  const infoLen = 4 + 8 + recSize * count;
  const out = new Uint8Array(32 + infoLen);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, true);
  out[2] = 1;
  view.setUint32(4, 32, true);
  view.setUint32(8, 0, true);
  view.setUint32(12, infoLen, true);
  view.setUint32(16, infoLen, true);
  view.setUint32(24, infoLen, true);
  view.setUint32(32, recSize, true);
  view.setUint32(36, 1, true); // sec_name_off: "int" in the tiny BTF below
  view.setUint32(40, declaredCount, true);
  for (let i = 0; i < count; i++) {
    view.setUint32(44 + i * recSize, i * 8, true);
    if (recSize >= 8) view.setUint32(44 + i * recSize + 4, 1, true);
    for (let extra = 8; extra < recSize; extra += 4)
      view.setUint32(44 + i * recSize + extra, 0xdeadbeef, true);
  }
  return out;
}

describe('.BTF.ext record sizes and counts', () => {
  const btf = parseBtf(loadFixture('btf_kinds.bpfel.o').section('.BTF').data);
  const sectionName = btf.name(1);

  it('skips the extra bytes of records larger than it knows', () => {
    const ext = parseBtfExt(extWithFuncInfo(16, 3), btf);
    expect(ext.recordSizes.funcInfo).toBe(16);
    expect(ext.funcInfo).toEqual([
      {
        section: sectionName,
        records: [
          { insnOff: 0, typeId: 1 },
          { insnOff: 8, typeId: 1 },
          { insnOff: 16, typeId: 1 },
        ],
      },
    ]);
  });

  it('says whether each run is in insn_off order, as the check reads it', () => {
    const inOrder = readBtfExtRecords(extWithFuncInfo(8, 3), btf);
    expect(inOrder.funcInfo.runs).toEqual([{ section: sectionName, start: 44, count: 3, sorted: true }]);
    const shuffled = extWithFuncInfo(8, 3);
    new DataView(shuffled.buffer).setUint32(44, 24, true); // insn_off 24, 8, 16
    expect(readBtfExtRecords(shuffled, btf).funcInfo.runs[0]!.sorted).toBe(false);
  });

  it('refuses records smaller than the struct', () => {
    expect(() => parseBtfExt(extWithFuncInfo(4, 2), btf)).toThrow(BtfError);
  });

  it('refuses a record count larger than the data, before allocating', () => {
    let error: unknown;
    try {
      parseBtfExt(extWithFuncInfo(8, 1, 0x7fffffff), btf);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BtfError);
    expect((error as BtfError).location).toMatchObject({ field: 'num_info', section: sectionName });
  });

  it('refuses a bad magic and a truncated header', () => {
    const bad = extWithFuncInfo(8, 1);
    bad[0] = 0;
    expect(() => parseBtfExt(bad, btf)).toThrow(/magic/);
    expect(() => parseBtfExt(extWithFuncInfo(8, 1).subarray(0, 12), btf)).toThrow(BtfError);
  });
});
