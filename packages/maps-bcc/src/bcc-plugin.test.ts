import { parseBtf } from '@bpfkit/btf';
import {
  Artifacts,
  MapDefinitionError,
  type MapSpec,
  MapType,
  type ObjectSpec,
  type OpenContext,
  RelocationError,
  resolveToken,
  silentEvents,
  streamReferences,
  Tokens,
  withPlugins,
} from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createDefaultContainer, loaderFrom } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import {
  BCC_FORMAT,
  BccTableDefinitionsArtifact,
  bccMapCollector,
  readBccMaps,
} from './bcc-map-collector.js';
import { bccPlugin } from './plugin.js';
import {
  bccLoader,
  editSections,
  fixtureBytes,
  fixtureFile,
  recordEvents,
} from './testing/fixtures.test-helpers.js';

const BPF_F_NO_PREALLOC = 1;
const PIN_PATH = '/sys/fs/bpf/bcc_style_totals';
const PINNED_SECTION = `maps/hash:${PIN_PATH}`;

const mapNamed = (spec: ObjectSpec, name: string): MapSpec => spec.maps.find((m) => m.name === name)!;

function openContext(): OpenContext & { artifacts: Artifacts } {
  return {
    objectName: 'bcc_style',
    options: {},
    events: silentEvents,
    artifacts: new Artifacts(),
    bytes: new Uint8Array(),
  };
}

describe.each(['bpfel', 'bpfeb'])('bccPlugin: opening the BCC-style socket filter (%s)', (order) => {
  const events = recordEvents();
  const spec = bccLoader().open(fixtureBytes(`bcc_style.${order}.o`), { name: 'bcc_style' }, events);

  it('reads one map per table variable: type from the section, sizes from key/leaf, max_entries and flags from the data', () => {
    expect(spec.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags])).toEqual([
      ['proto_packets', MapType.HASH, 4, 8, 256, 0],
      ['last_len', MapType.HASH, 4, 4, 64, BPF_F_NO_PREALLOC],
      ['proto_bytes', MapType.ARRAY, 4, 8, 256, 0],
      ['cpu_packets', MapType.PERCPU_ARRAY, 4, 8, 1, 0],
      ['events', MapType.PERF_EVENT_ARRAY, 4, 4, 0, 0],
      ['jump_table', MapType.PROG_ARRAY, 4, 4, 4, 0],
      ['pinned_totals', MapType.HASH, 4, 8, 16, BPF_F_NO_PREALLOC],
    ]);
  });

  it('pins BPF_TABLE_PINNED tables at their path, kept absolute, and nothing else', () => {
    expect(mapNamed(spec, 'pinned_totals').pinning).toEqual({ kind: 'path', path: PIN_PATH });
    expect(spec.maps.filter((m) => m.pinning.kind !== 'none').map((m) => m.name)).toEqual(['pinned_totals']);
  });

  it("records each variable's section and offset, which the program's map relocations resolve against", () => {
    const lastLen = mapNamed(spec, 'last_len');
    expect(lastLen.source).toMatchObject({ format: BCC_FORMAT, section: 'maps/hash', offset: 0x58 });
    expect(mapNamed(spec, 'pinned_totals').source).toMatchObject({ section: PINNED_SECTION, offset: 0 });
    const [program] = spec.programs;
    const referenced = new Set(
      streamReferences(program!.instructions).flatMap((r) => (r.kind === 'map-fd' ? [r.map] : [])),
    );
    expect([...referenced].sort()).toEqual(spec.maps.map((m) => m.name).sort());
  });

  it('gives the BTF ids of the VAR, its <name>_table_t struct, and the key and leaf types', () => {
    const btf = parseBtf(spec.btf!);
    for (const map of spec.maps) {
      expect(btf.typeName(map.source.btfVarId!)).toBe(map.name);
      expect(btf.typeName(map.source.btfTypeId!)).toBe(`${map.name}_table_t`);
    }
    const packets = mapNamed(spec, 'proto_packets');
    expect([btf.formatType(packets.btfKeyTypeId!), btf.formatType(packets.btfValueTypeId!)]).toEqual([
      '__u32',
      '__u64',
    ]);
    expect(btf.formatType(mapNamed(spec, 'proto_bytes').btfKeyTypeId!)).toBe('int');
  });

  it('says which sections it claimed and why the perf output keeps max_entries 0', () => {
    expect(events.decisions()).toEqual([
      'bcc format claims section maps/hash: BCC table type hash',
      'bcc format claims section maps/array: BCC table type array',
      'bcc format claims section maps/percpu_array: BCC table type percpu_array',
      'bcc format claims section maps/perf_output: BCC table type perf_output',
      'bcc format claims section maps/prog: BCC table type prog',
      `bcc format claims section ${PINNED_SECTION}: BCC table type hash, pinned at ${PIN_PATH}`,
      `bcc format reads maps/hash, maps/array, maps/percpu_array, maps/perf_output, maps/prog, ${PINNED_SECTION}`,
      'bcc table events: max_entries 0 kept; sized to the possible CPUs at load, as BCC does',
    ]);
  });

  it('is deterministic: two opens give equal specs', () => {
    expect(bccLoader().open(fixtureBytes(`bcc_style.${order}.o`), { name: 'bcc_style' })).toEqual(spec);
  });
});

describe('bccPlugin: a bespoke loader beside the default one', () => {
  it('builds the BCC loader in a child container; the default pipeline stays untouched', async () => {
    const parent = createDefaultContainer({ backend: new SimulatedKernel() });
    const before = resolveToken(parent, Tokens.MapCollectors);
    const child = withPlugins(parent, bccPlugin());

    expect(resolveToken(child, Tokens.MapCollectors).map((c) => c.format)).toEqual([
      'bcc',
      ...before.map((c) => c.format),
    ]);
    expect(resolveToken(parent, Tokens.MapCollectors)).toEqual(before);
    expect(before.map((c) => c.format)).not.toContain('bcc');

    const bytes = fixtureBytes('bcc_style.bpfel.o');
    expect(loaderFrom(child).open(bytes).maps).toHaveLength(7);
    // Without the plugin nothing reads maps/*: the references stay unresolved (by section and
    // offset, for maps supplied before load) and loading names the missing map.
    const plain = loaderFrom(parent).open(bytes);
    expect(plain.maps).toHaveLength(0);
    await expect(loaderFrom(parent).load(plain)).rejects.toThrow(RelocationError);
  });

  it('adding the plugin twice still leaves one BCC collector', () => {
    const child = withPlugins(createDefaultContainer(), bccPlugin(), bccPlugin());
    expect(resolveToken(child, Tokens.MapCollectors).filter((c) => c.format === 'bcc')).toHaveLength(1);
  });
});

describe('bccMapCollector: claims and readBccMaps', () => {
  const file = fixtureFile('bcc_style.bpfel.o');
  const bccSections = (f = file) => f.sections.filter((s) => s.name.startsWith('maps/'));

  it('claims maps/<type> sections only', () => {
    const context = openContext();
    const claimed = file.sections.filter((s) => bccMapCollector.claims(s, file, context)).map((s) => s.name);
    expect(claimed).toEqual(bccSections().map((s) => s.name));
    expect(claimed).not.toContain('license');
  });

  it('leaves the definitions and the parsed BTF in the artifacts', () => {
    const context = openContext();
    const maps = bccMapCollector.collect(file, bccSections(), context);
    const definitions = context.artifacts.get(BccTableDefinitionsArtifact)!;
    expect(definitions.map((d) => [d.name, d.tableType])).toEqual(
      maps.map((m) => [m.name, expect.any(String)]),
    );
    expect(definitions.find((d) => d.name === 'pinned_totals')).toMatchObject({
      tableType: 'hash',
      pinPath: PIN_PATH,
    });
  });

  it('types a histogram as BCC does: ARRAY when its key is int, HASH otherwise', () => {
    const renamed = editSections(file, (s) =>
      s.name === 'maps/array' || s.name === 'maps/hash' ? { ...s, name: 'maps/histogram' } : s,
    );
    const { maps } = readBccMaps(renamed, bccSections(renamed), openContext());
    const typeOf = (name: string) => maps.find((m) => m.name === name)!.type;
    expect(typeOf('proto_bytes')).toBe(MapType.ARRAY); // int key
    expect(typeOf('proto_packets')).toBe(MapType.HASH); // __u32 key
  });

  it('gives ring buffers no key or value size, as BCC does', () => {
    const renamed = editSections(file, (s) =>
      s.name === 'maps/perf_output' ? { ...s, name: 'maps/ringbuf' } : s,
    );
    const events = readBccMaps(renamed, bccSections(renamed), openContext()).maps.find(
      (m) => m.name === 'events',
    )!;
    expect([events.type, events.keySize, events.valueSize, events.btfKeyTypeId]).toEqual([
      MapType.RINGBUF,
      0,
      0,
      undefined,
    ]);
  });

  it('makes an array_of_maps$<inner> table take a copy of the inner table as template', () => {
    const renamed = editSections(file, (s) =>
      s.name === 'maps/prog' ? { ...s, name: 'maps/array_of_maps$proto_bytes' } : s,
    );
    const { maps } = readBccMaps(renamed, bccSections(renamed), openContext());
    const outer = maps.find((m) => m.name === 'jump_table')!;
    const inner = maps.find((m) => m.name === 'proto_bytes')!;
    expect(outer.type).toBe(MapType.ARRAY_OF_MAPS);
    expect(outer.innerMap).toEqual(inner);
    expect(outer.innerMap).not.toBe(inner);
  });

  it('refuses a table type BCC does not know, naming the table and the section', () => {
    const renamed = editSections(file, (s) =>
      s.name === 'maps/prog' ? { ...s, name: 'maps/no_such_type' } : s,
    );
    let caught: unknown;
    try {
      readBccMaps(renamed, bccSections(renamed), openContext());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MapDefinitionError);
    const error = caught as MapDefinitionError;
    expect(error.message).toBe('table jump_table: BCC has no table type "no_such_type"');
    expect(error.location).toMatchObject({
      object: 'bcc_style',
      section: 'maps/no_such_type',
      map: 'jump_table',
    });
    expect(error.hint).toContain('perf_output');
  });

  it('refuses an object without BTF, with a hint to compile with -g', () => {
    const stripped = editSections(file, (s) => (s.name === '.BTF' ? undefined : s));
    expect(() => readBccMaps(stripped, bccSections(stripped), openContext())).toThrow(
      expect.objectContaining({ name: 'MapDefinitionError', hint: expect.stringContaining('-g') }),
    );
  });

  it('reads no map from export/shared sections, and refuses extern tables it cannot provide', () => {
    const shared = editSections(file, (s) => (s.name === 'maps/prog' ? { ...s, name: 'maps/shared' } : s));
    const { maps } = readBccMaps(shared, bccSections(shared), openContext());
    expect(maps.map((m) => m.name)).not.toContain('jump_table');

    const external = editSections(file, (s) => (s.name === 'maps/prog' ? { ...s, name: 'maps/extern' } : s));
    expect(() => readBccMaps(external, bccSections(external), openContext())).toThrow(
      /jump_table refer to tables of another BCC module/,
    );
  });
});
