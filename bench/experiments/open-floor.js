// A measuring stick for `object-open`, not bpfkit code: the work libbpf's bpf_object__open does for
// a clang object with BTF-defined maps (ELF sections and symbols; BTF read with a check of every
// type record's kind, size and name; DATASEC sizes and offsets fixed from the ELF; the map
// definitions; each program's code and map relocations; the .BTF.ext blocks with their string
// offsets checked; the license), written as lean JavaScript: columns in typed arrays cut from one
// kept buffer, names compared as bytes and decoded only where the result holds them, no object per
// section, symbol, type or record. It reads the objects of xdp-tools' xdp-filter family (one
// program, BTF maps of plain fields) and refuses anything else.
//
// `node bench/experiments/open-floor.js` prints, for each xdpfilt_*.o, the best of 5 rounds of
// 2,000 opens from bytes in memory: this floor, bpfkit's `createLoader().open(bytes)`, and
// libbpf's bpf_object__open_mem (harness/object_ops.c open-mem). Build the packages first.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader } from '@bpfkit/loader';
import { XDP_TOOLS_OBJECTS } from '../lib/fixtures.js';
import { runHarness } from '../lib/harness.js';

const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHT_REL = 9;
const SHF_EXECINSTR = 4;
const BTF_KIND_DATASEC = 15;

const utf8 = new TextDecoder();
const refuse = (message) => {
  throw new Error(`open-floor: ${message}`);
};

// One buffer for every column and copy an open makes: a typed array of its own costs a backing store.
let pool = new ArrayBuffer(1 << 20);
let poolAt = 0;

/** Where `length` bytes of `pool` start, 8-aligned (a new pool when this one is full). */
function take(length) {
  const size = (length + 7) & ~7;
  if (poolAt + size > pool.byteLength) {
    pool = new ArrayBuffer(Math.max(1 << 20, size));
    poolAt = 0;
  }
  poolAt += size;
  return poolAt - size;
}

function words(count) {
  const at = take(count * 4);
  return new Uint32Array(pool, at, count);
}

/** The NUL-terminated name at `at`: ASCII by hand, anything else through TextDecoder. */
function nameAt(u8, at) {
  let text = '';
  for (let i = at, c = u8[i]; c !== 0; c = u8[++i]) {
    if (c >= 0x80) return utf8.decode(u8.subarray(at, u8.indexOf(0, at)));
    text += String.fromCharCode(c);
  }
  return text;
}

/** Whether the names at `a` and `b` are the same bytes. */
function sameName(u8, a, b) {
  while (u8[a] === u8[b]) {
    if (u8[a] === 0) return true;
    a++;
    b++;
  }
  return false;
}

/** Whether the name at `at` is `text` (ASCII). */
function nameIs(u8, at, text) {
  for (let i = 0; i < text.length; i++) if (u8[at + i] !== text.charCodeAt(i)) return false;
  return u8[at + text.length] === 0;
}

function readSections(u8, dv) {
  if (dv.getUint32(0, false) !== 0x7f454c46 || u8[4] !== 2) refuse('not ELF64');
  const le = u8[5] === 1;
  if (dv.getUint16(18, le) !== 247) refuse('not EM_BPF');
  const tableAt = Number(dv.getBigUint64(40, le));
  const count = dv.getUint16(60, le);
  if (tableAt + count * 64 > u8.length) refuse('section table past the end');
  const s = {
    le,
    count,
    names: 0,
    type: words(count),
    flags: words(count),
    offset: words(count),
    size: words(count),
    link: words(count),
    info: words(count),
    name: words(count),
  };
  for (let i = 0; i < count; i++) {
    const h = tableAt + i * 64;
    s.name[i] = dv.getUint32(h, le);
    s.type[i] = dv.getUint32(h + 4, le);
    s.flags[i] = dv.getUint32(h + 8, le);
    s.offset[i] = dv.getUint32(h + 24, le);
    s.size[i] = dv.getUint32(h + 32, le);
    s.link[i] = dv.getUint32(h + 40, le);
    s.info[i] = dv.getUint32(h + 44, le);
    if (s.type[i] !== SHT_NOBITS && s.offset[i] + s.size[i] > u8.length) refuse(`section ${i} past the end`);
  }
  s.names = s.offset[dv.getUint16(62, le)];
  return s;
}

/** The index of the section named `text`, or -1. */
function findSection(u8, s, text) {
  for (let i = 1; i < s.count; i++) if (nameIs(u8, s.names + s.name[i], text)) return i;
  return -1;
}

function readSymbols(dv, s) {
  let table = -1;
  for (let i = 1; i < s.count; i++) if (s.type[i] === SHT_SYMTAB) table = i;
  const count = s.size[table] / 24;
  const y = {
    count,
    names: s.offset[s.link[table]],
    name: words(count),
    info: words(count),
    section: words(count),
    value: words(count),
    size: words(count),
  };
  for (let i = 0; i < count; i++) {
    const e = s.offset[table] + i * 24;
    y.name[i] = dv.getUint32(e, s.le);
    y.info[i] = dv.getUint8(e + 4);
    y.section[i] = dv.getUint16(e + 6, s.le);
    y.value[i] = dv.getUint32(e + 8, s.le);
    y.size[i] = dv.getUint32(e + 16, s.le);
    if (y.section[i] !== 0 && y.section[i] < 0xff00 && y.section[i] >= s.count)
      refuse('st_shndx out of range');
  }
  return y;
}

/** Extra bytes after the 12-byte btf_type of each kind (libbpf's btf_type_size). */
function extraBytes(kind, vlen) {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return vlen * 12;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return vlen * 8;
    case 2: // PTR
    case 7: // FWD
    case 8: // TYPEDEF
    case 9: // VOLATILE
    case 10: // CONST
    case 11: // RESTRICT
    case 12: // FUNC
    case 16: // FLOAT
    case 18: // TYPE_TAG
      return 0;
    default:
      return refuse(`BTF kind ${kind}`);
  }
}

/** .BTF copied (the fixups patch it), with each type's record offset; names stay offsets. */
function readBtf(u8, s) {
  const section = findSection(u8, s, '.BTF');
  const length = s.size[section];
  const start = take(length);
  const copy = new Uint8Array(pool, start, length);
  copy.set(u8.subarray(s.offset[section], s.offset[section] + length));
  const dv = new DataView(pool, start, length);
  const le = s.le;
  if (dv.getUint16(0, le) !== 0xeb9f) refuse('BTF magic');
  const header = dv.getUint32(4, le);
  const types = header + dv.getUint32(8, le);
  const typesEnd = types + dv.getUint32(12, le);
  const stringsLength = dv.getUint32(20, le);
  const strings = s.offset[section] + header + dv.getUint32(16, le);
  if (header + dv.getUint32(16, le) + stringsLength > length) refuse('BTF strings past the end');
  const record = words((typesEnd - types) / 12 + 2);
  let count = 1;
  for (let at = types; at < typesEnd; ) {
    if (dv.getUint32(at, le) >= stringsLength) refuse('BTF name offset past the strings');
    const info = dv.getUint32(at + 4, le);
    record[count++] = at;
    at += 12 + extraBytes((info >>> 24) & 0x1f, info & 0xffff);
    if (at > typesEnd) refuse('BTF type past the end');
  }
  return { bytes: copy, dv, le, record, count, strings, stringsLength };
}

const kindOf = (b, id) => (b.dv.getUint32(b.record[id] + 4, b.le) >>> 24) & 0x1f;
const vlenOf = (b, id) => b.dv.getUint32(b.record[id] + 4, b.le) & 0xffff;
const typeOf = (b, id) => b.dv.getUint32(b.record[id] + 8, b.le);

/** Past TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG. */
function skipModifiers(b, id) {
  for (let k = kindOf(b, id); id !== 0 && (k === 18 || (k >= 8 && k <= 11)); k = kindOf(b, id))
    id = typeOf(b, id);
  return id;
}

function sizeOf(b, id) {
  id = skipModifiers(b, id);
  const kind = kindOf(b, id);
  if (kind === 2) return 8;
  if (kind === 3)
    return b.dv.getUint32(b.record[id] + 20, b.le) * sizeOf(b, b.dv.getUint32(b.record[id] + 12, b.le));
  return typeOf(b, id);
}

/** libbpf's btf_fixup_datasec: section sizes, and variable offsets from their global symbols. */
function fixupDatasecs(u8, s, y, b) {
  let maps = 0;
  for (let id = 1; id < b.count; id++) {
    if (kindOf(b, id) !== BTF_KIND_DATASEC) continue;
    const at = b.record[id];
    const name = b.strings + b.dv.getUint32(at, b.le);
    let section = -1;
    for (let i = 1; i < s.count && section < 0; i++) if (sameName(u8, s.names + s.name[i], name)) section = i;
    if (section < 0) continue;
    if (nameIs(u8, name, '.maps')) maps = id;
    b.dv.setUint32(at + 8, s.size[section], b.le);
    for (let v = 0; v < vlenOf(b, id); v++) {
      const variable = b.strings + b.dv.getUint32(b.record[b.dv.getUint32(at + 12 + v * 12, b.le)], b.le);
      for (let i = 0; i < y.count; i++) {
        if ((y.info[i] & 0xf) === 1 && y.info[i] >> 4 !== 0 && sameName(u8, y.names + y.name[i], variable)) {
          b.dv.setUint32(at + 12 + v * 12 + 4, y.value[i], b.le);
          break;
        }
      }
    }
  }
  return maps;
}

/** `int (*name)[N]` → N (libbpf's get_map_field_int). */
function intField(b, member) {
  const pointer = skipModifiers(b, member);
  if (kindOf(b, pointer) !== 2 || kindOf(b, typeOf(b, pointer)) !== 3) refuse('map field is not int (*)[N]');
  return b.dv.getUint32(b.record[typeOf(b, pointer)] + 20, b.le);
}

function readMaps(u8, b, datasec) {
  const maps = [];
  for (let v = 0; v < vlenOf(b, datasec); v++) {
    const at = b.record[datasec] + 12 + v * 12;
    const variable = b.dv.getUint32(at, b.le);
    const definition = skipModifiers(b, typeOf(b, variable));
    if (kindOf(b, definition) !== 4) refuse('map definition is not a struct');
    const map = {
      name: nameAt(u8, b.strings + b.dv.getUint32(b.record[variable], b.le)),
      offset: b.dv.getUint32(at + 4, b.le),
      type: 0,
      keySize: 0,
      valueSize: 0,
      maxEntries: 0,
      flags: 0,
      pinning: 0,
    };
    for (let m = 0; m < vlenOf(b, definition); m++) {
      const member = b.record[definition] + 12 + m * 12;
      const name = b.strings + b.dv.getUint32(member, b.le);
      const type = b.dv.getUint32(member + 4, b.le);
      if (nameIs(u8, name, 'type')) map.type = intField(b, type);
      else if (nameIs(u8, name, 'max_entries')) map.maxEntries = intField(b, type);
      else if (nameIs(u8, name, 'map_flags')) map.flags = intField(b, type);
      else if (nameIs(u8, name, 'pinning')) map.pinning = intField(b, type);
      else if (nameIs(u8, name, 'key_size')) map.keySize = intField(b, type);
      else if (nameIs(u8, name, 'value_size')) map.valueSize = intField(b, type);
      else if (nameIs(u8, name, 'key')) map.keySize = sizeOf(b, typeOf(b, type));
      else if (nameIs(u8, name, 'value')) map.valueSize = sizeOf(b, typeOf(b, type));
      else refuse(`map field ${nameAt(u8, name)}`);
    }
    maps.push(map);
  }
  return maps;
}

function readPrograms(u8, dv, s, y, maps) {
  const programs = [];
  for (let i = 0; i < y.count; i++) {
    const section = y.section[i];
    if ((y.info[i] & 0xf) !== 2 || (s.flags[section] & SHF_EXECINSTR) === 0) continue;
    const start = s.offset[section] + y.value[i];
    programs.push({
      name: nameAt(u8, y.names + y.name[i]),
      section: nameAt(u8, s.names + s.name[section]),
      sectionIndex: section,
      start: y.value[i],
      code: u8.subarray(start, start + y.size[i]),
      references: [], // pairs: instruction index, map index
    });
  }
  const mapsSection = findSection(u8, s, '.maps');
  for (let r = 1; r < s.count; r++) {
    if (s.type[r] !== SHT_REL || (s.flags[s.info[r]] & SHF_EXECINSTR) === 0) continue;
    for (let e = s.offset[r]; e < s.offset[r] + s.size[r]; e += 16) {
      const at = dv.getUint32(e, s.le);
      const symbol = dv.getUint32(e + 12, s.le);
      const program = programs.find(
        (p) => p.sectionIndex === s.info[r] && at >= p.start && at < p.start + p.code.length,
      );
      if (!program) refuse('relocation outside every program');
      if (y.section[symbol] !== mapsSection) refuse('relocation against something else than a map');
      program.references.push(
        (at - program.start) / 8,
        maps.findIndex((m) => m.offset === y.value[symbol]),
      );
    }
  }
  return programs;
}

/** The func_info and line_info blocks of .BTF.ext as runs [block, section name, first record, count]. */
function readExtRuns(u8, s, b) {
  const section = findSection(u8, s, '.BTF.ext');
  const dv = new DataView(u8.buffer, u8.byteOffset + s.offset[section], s.size[section]);
  if (dv.getUint16(0, s.le) !== 0xeb9f) refuse('.BTF.ext magic');
  const header = dv.getUint32(4, s.le);
  const runs = [];
  for (const block of [8, 16]) {
    const start = header + dv.getUint32(block, s.le);
    const end = start + dv.getUint32(block + 4, s.le);
    if (start === end) continue;
    const recordSize = dv.getUint32(start, s.le);
    for (let at = start + 4; at < end; ) {
      const count = dv.getUint32(at + 4, s.le);
      if (dv.getUint32(at, s.le) >= b.stringsLength) refuse('sec_name_off past the strings');
      for (let r = 0; block === 16 && r < count; r++) {
        const record = at + 8 + r * recordSize;
        if (
          dv.getUint32(record + 4, s.le) >= b.stringsLength ||
          dv.getUint32(record + 8, s.le) >= b.stringsLength
        ) {
          refuse('line_info string past the strings');
        }
      }
      runs.push(block, dv.getUint32(at, s.le), at + 8, count);
      at += 8 + count * recordSize;
    }
  }
  return runs;
}

export function openFloor(u8) {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const sections = readSections(u8, dv);
  const symbols = readSymbols(dv, sections);
  const btf = readBtf(u8, sections);
  const maps = readMaps(u8, btf, fixupDatasecs(u8, sections, symbols, btf));
  const programs = readPrograms(u8, dv, sections, symbols, maps);
  const license = findSection(u8, sections, 'license');
  return {
    license: license < 0 ? '' : nameAt(u8, sections.offset[license]),
    maps,
    programs,
    btf: btf.bytes,
    extRuns: readExtRuns(u8, sections, btf),
  };
}

/** Best mean µs of `open(bytes)` over 5 rounds of 2,000. */
function bestMicros(open) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < 2000; i++) open();
    best = Math.min(best, ((performance.now() - start) / 2000) * 1000);
  }
  return best;
}

const loader = createLoader();
const objects = readdirSync(XDP_TOOLS_OBJECTS)
  .filter((f) => f.startsWith('xdpfilt_') && f.endsWith('.o'))
  .sort();
const rows = [];
for (const file of objects) {
  const path = join(XDP_TOOLS_OBJECTS, file);
  const bytes = new Uint8Array(readFileSync(path));
  // the floor reads what bpfkit reads: the same maps, programs and references
  const spec = loader.open(bytes);
  const floor = openFloor(bytes);
  const same =
    JSON.stringify(floor.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries])) ===
      JSON.stringify(spec.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries])) &&
    floor.programs.map((p) => `${p.name}:${p.code.length}`).join() ===
      spec.programs.map((p) => `${p.name}:${p.instructions.bytes.length}`).join();
  if (!same) refuse(`${file}: the floor read other maps or programs than bpfkit`);
  const libbpf = Math.min(...runHarness('object_ops', ['open-mem', 2000, 5, path]).samples) * 1000;
  rows.push({
    file,
    floor: bestMicros(() => openFloor(bytes)),
    bpfkit: bestMicros(() => loader.open(bytes)),
    libbpf,
  });
}
const mean = (key) => rows.reduce((sum, row) => sum + row[key], 0) / rows.length;
for (const row of [
  ...rows,
  { file: 'mean', floor: mean('floor'), bpfkit: mean('bpfkit'), libbpf: mean('libbpf') },
]) {
  console.log(
    `${row.file.padEnd(20)} floor ${row.floor.toFixed(1).padStart(5)} µs   bpfkit ${row.bpfkit.toFixed(1).padStart(5)} µs   libbpf open_mem ${row.libbpf.toFixed(1).padStart(5)} µs`,
  );
}
