import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBtf } from '@bpfkit/btf';
import {
  Artifacts,
  MapDefinitionError,
  type MapSpec,
  MapType,
  type ObjectFileView,
  type ObjectSpec,
  ProgramType,
  resolveToken,
  Tokens,
  UsageError,
  withPlugins,
} from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createDefaultContainer, loaderFrom } from '@bpfkit/loader';
import { afterAll, describe, expect, it } from 'vitest';
import { iproute2MapCollector } from './iproute2-map-collector.js';
import { iproute2Plugin } from './plugin.js';
import {
  fixtureBytes,
  fixtureFile,
  iproute2Loader,
  readU32,
  recordEvents,
} from './testing/fixtures.test-helpers.js';

const tc = fixtureBytes('iproute2_tc.bpfel.o');
const pinningObject = fixtureBytes('iproute2_pinning.bpfel.o');

/** A plain copy of an ELF file view whose fields a test can replace. */
const viewOf = (file: ObjectFileView): ObjectFileView => ({
  name: file.name,
  byteOrder: file.byteOrder,
  sections: file.sections,
  symbols: file.symbols,
  relocationsFor: file.relocationsFor.bind(file),
  sectionData: file.sectionData.bind(file),
});

const mapNamed = (spec: ObjectSpec, name: string): MapSpec => spec.maps.find((m) => m.name === name)!;
const slots = (map: MapSpec) =>
  (map.contents ?? []).map((e) => ('ref' in e ? [readU32(e.key), e.ref.kind, e.ref.name] : ['value']));

describe('iproute2Plugin: opening a tc object', () => {
  const events = recordEvents();
  const spec = iproute2Loader().open(tc, { name: 'iproute2_tc' }, events);

  it('reads every struct bpf_elf_map as an iproute2 map, pinned in tc/globals relative to the pin root', () => {
    expect(spec.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.pinning])).toEqual([
      ['jmp_table', MapType.PROG_ARRAY, 4, 4, 2, { kind: 'path', path: 'tc/globals/jmp_table' }],
      ['tail_hits', MapType.ARRAY, 4, 8, 2, { kind: 'path', path: 'tc/globals/tail_hits' }],
      ['inner_hits', MapType.ARRAY, 4, 8, 1, { kind: 'path', path: 'tc/globals/inner_hits' }],
      ['outer_maps', MapType.ARRAY_OF_MAPS, 4, 4, 1, { kind: 'path', path: 'tc/globals/outer_maps' }],
    ]);
    expect(spec.maps.every((m) => m.source.format === 'iproute2' && m.source.section === 'maps')).toBe(true);
  });

  it('exposes the BTF ids of each definition: its VAR and struct bpf_elf_map', () => {
    const btf = parseBtf(spec.btf!);
    for (const map of spec.maps) {
      expect(btf.typeName(map.source.btfVarId!)).toBe(map.name);
      expect(btf.typeName(map.source.btfTypeId!)).toBe('bpf_elf_map');
    }
  });

  it('gives the outer map a copy of the map whose id is its inner_id, and puts that map in slot inner_idx', () => {
    const outer = mapNamed(spec, 'outer_maps');
    const inner = mapNamed(spec, 'inner_hits');
    expect(outer.innerMap).toEqual({ ...inner, pinning: { kind: 'none' } });
    expect(outer.innerMap).not.toBe(inner);
    expect(slots(outer)).toEqual([[0, 'map', 'inner_hits']]);
    expect(inner.contents).toBeUndefined();
  });

  it('types the tail-call programs as tc would and fills slot KEY of the jump table whose id is ID', () => {
    expect(spec.programs.map((p) => [p.name, p.section, p.type])).toEqual([
      ['tail_zero', '1/0', ProgramType.SCHED_CLS],
      ['tail_one', '1/1', ProgramType.SCHED_CLS],
      ['cls_entry', 'classifier', ProgramType.SCHED_CLS],
    ]);
    expect(slots(mapNamed(spec, 'jmp_table'))).toEqual([
      [0, 'program', 'tail_zero'],
      [1, 'program', 'tail_one'],
    ]);
  });

  it('says what it decided and why', () => {
    expect(events.decisions()).toEqual([
      'iproute2 format claims section maps: its definitions are 36 bytes, struct bpf_elf_map',
      'iproute2 format reads maps',
      'iproute2 loads tail_zero (section 1/0), tail_one (section 1/1) as sched_cls',
      'tail call: tail_zero goes into slot 0 of jmp_table (id 1)',
      'tail call: tail_one goes into slot 1 of jmp_table (id 1)',
    ]);
  });

  it('is deterministic: two opens give equal specs', () => {
    expect(iproute2Loader().open(tc, { name: 'iproute2_tc' })).toEqual(spec);
  });
});

describe('iproute2Plugin: pinning and program types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-iproute2-'));
  const pinningFile = join(dir, 'bpf_pinning');
  writeFileSync(pinningFile, '# test database\n42 custom/dir\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pins PIN_OBJECT_NS maps under the SHA-1 of the object file, custom ids under their subpath', () => {
    const spec = iproute2Loader().open(pinningObject, { 'iproute2.pinningFile': pinningFile });
    const sha1 = execFileSync('sha1sum', ['-b', '-'], { input: pinningObject, encoding: 'utf8' }).split(
      ' ',
    )[0];
    expect(spec.maps.map((m) => [m.name, m.pinning])).toEqual([
      ['object_local', { kind: 'path', path: `tc/${sha1}/object_local` }],
      ['custom_pinned', { kind: 'path', path: 'custom/dir/custom_pinned' }],
      ['unpinned', { kind: 'none' }],
    ]);
    expect(mapNamed(spec, 'unpinned').flags).toBe(1 << 7); // BPF_F_RDONLY_PROG
  });

  it("reads key and value BTF types from iproute2's ____btf_map_<name> annotation", () => {
    const spec = iproute2Loader().open(pinningObject, { 'iproute2.pinningFile': pinningFile });
    const btf = parseBtf(spec.btf!);
    const annotated = mapNamed(spec, 'object_local');
    expect([btf.typeName(annotated.btfKeyTypeId!), btf.typeName(annotated.btfValueTypeId!)]).toEqual([
      'flow_key',
      'flow_stats',
    ]);
    expect(mapNamed(spec, 'unpinned').btfKeyTypeId).toBeUndefined();
  });

  it('takes the pinning file from the plugin options when the open options name none', () => {
    const spec = iproute2Loader(new SimulatedKernel(), { pinningFile }).open(pinningObject);
    expect(mapNamed(spec, 'custom_pinned').pinning).toEqual({
      kind: 'path',
      path: 'custom/dir/custom_pinned',
    });
  });

  it('refuses a pinning id the database does not list, naming the id and the file', () => {
    const absent = join(dir, 'no-such-file');
    let caught: unknown;
    try {
      iproute2Loader().open(pinningObject, { 'iproute2.pinningFile': absent });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MapDefinitionError);
    expect((caught as Error).message).toContain(`pinning id 42 is not listed in ${absent}`);
    expect((caught as MapDefinitionError).location).toMatchObject({ map: 'custom_pinned', field: 'pinning' });
  });

  it('keeps the SEC() types of "action" and "classifier" and gives the others the tool type', () => {
    const opts = { 'iproute2.pinningFile': pinningFile };
    const asTc = iproute2Loader().open(pinningObject, opts);
    expect(asTc.programs.map((p) => [p.name, p.type])).toEqual([
      ['act_mark', ProgramType.SCHED_ACT],
      ['ingress_pass', ProgramType.SCHED_CLS],
    ]);
    const asXdp = iproute2Loader().open(pinningObject, { ...opts, 'iproute2.programType': 'xdp' });
    expect(asXdp.programs.map((p) => [p.name, p.type])).toEqual([
      ['act_mark', ProgramType.SCHED_ACT],
      ['ingress_pass', ProgramType.XDP],
    ]);
    const asAction = iproute2Loader(new SimulatedKernel(), { pinningFile, programType: 'act' }).open(
      pinningObject,
    );
    expect(asAction.programs[1]!.type).toBe(ProgramType.SCHED_ACT);
  });

  it('refuses a program type it does not know', () => {
    expect(() => iproute2Loader().open(tc, { 'iproute2.programType': 'bogus' })).toThrow(UsageError);
  });
});

describe('iproute2Plugin: format detection', () => {
  it('leaves libbpf 0.x legacy objects to the legacy collector in --format auto', () => {
    const events = recordEvents();
    const spec = iproute2Loader().open(fixtureBytes('legacy_xdp.bpfel.o', true), {}, events);
    expect(spec.maps.map((m) => [m.name, m.source.format])).toEqual([
      ['blocked_ports', 'legacy'],
      ['verdicts', 'legacy'],
    ]);
    expect(events.decisions()[0]).toBe(
      'iproute2 format leaves section maps: its definitions are 20 bytes, not 36, and no section is named ID/KEY',
    );
  });

  it('reads them as short bpf_elf_map definitions with --format iproute2', () => {
    const events = recordEvents();
    const spec = iproute2Loader().open(
      fixtureBytes('legacy_xdp.bpfel.o', true),
      { format: 'iproute2' },
      events,
    );
    expect(spec.maps.map((m) => [m.name, m.source.format, m.type, m.keySize, m.pinning.kind])).toEqual([
      ['blocked_ports', 'iproute2', MapType.HASH, 2, 'none'],
      ['verdicts', 'iproute2', MapType.PERCPU_ARRAY, 4, 'none'],
    ]);
    expect(events.decisions()[0]).toBe('iproute2 format claims section maps: --format iproute2');
  });

  it('claims a maps section of another definition size when the object has ID/KEY sections', () => {
    const file = fixtureFile('iproute2_tc.bpfel.o');
    // Three map symbols in 144 bytes: 48-byte definitions, which alone would not be claimed.
    const odd = { ...viewOf(file), symbols: file.symbols.filter((s) => s.name !== 'outer_maps') };
    const noTailCalls = {
      ...odd,
      sections: odd.sections.map((s) => (/^\d+\/\d+$/.test(s.name) ? { ...s, name: 'text2' } : s)),
    };
    const maps = file.sections.find((s) => s.name === 'maps')!;
    const events = recordEvents();
    const context = {
      objectName: 'x',
      options: {},
      events,
      artifacts: new Artifacts(),
      bytes: new Uint8Array(),
    };
    const collector = iproute2MapCollector();
    expect(collector.claims(maps, odd, context)).toBe(true);
    expect(collector.claims(maps, noTailCalls, context)).toBe(false);
    expect(events.decisions()).toEqual([
      'iproute2 format claims section maps: the object has tail-call sections named ID/KEY',
      'iproute2 format leaves section maps: its definitions are 48 bytes, not 36, and no section is named ID/KEY',
    ]);
  });

  it('leaves the maps section alone under another explicit format', () => {
    const spec = iproute2Loader().open(tc, { format: 'legacy' });
    expect(spec.maps.every((m) => m.source.format === 'legacy')).toBe(true);
  });
});

describe('a bespoke loader in a child container', () => {
  it('leaves the default pipeline untouched: its loader still reads the same object as legacy maps', () => {
    const parent = createDefaultContainer({ backend: new SimulatedKernel() });
    const child = withPlugins(parent, iproute2Plugin());

    expect(resolveToken(child, Tokens.MapCollectors)[0]!.format).toBe('iproute2');
    expect(resolveToken(child, Tokens.SpecTransforms)).toHaveLength(1);
    expect(resolveToken(parent, Tokens.MapCollectors).map((c) => c.format)).not.toContain('iproute2');
    expect(resolveToken(parent, Tokens.SpecTransforms)).toEqual([]);

    const plain = loaderFrom(parent).open(tc);
    expect(plain.maps.map((m) => [m.name, m.source.format, m.pinning.kind, m.extra?.length])).toEqual([
      ['jmp_table', 'legacy', 'none', 16],
      ['tail_hits', 'legacy', 'none', 16],
      ['inner_hits', 'legacy', 'none', 16],
      ['outer_maps', 'legacy', 'none', 16],
    ]);
    expect(plain.programs.find((p) => p.name === 'tail_zero')!.type).toBe(ProgramType.UNSPEC);
    expect(loaderFrom(child).open(tc).maps[0]!.source.format).toBe('iproute2');
  });

  it('types untyped sections only when iproute2 owns the object: its format, a program type given, or bpf_elf_map definitions', () => {
    const untyped = fixtureBytes('untyped_sections.bpfel.o', true);
    const typeOf = (spec: ObjectSpec) => spec.programs.find((p) => p.name === 'skb_verdict')!.type;
    // auto, no bpf_elf_map in the object: libbpf's rule, the section stays untyped (load refuses it)
    expect(typeOf(iproute2Loader().open(untyped))).toBe(ProgramType.UNSPEC);
    expect(typeOf(iproute2Loader().open(untyped, { format: 'iproute2' }))).toBe(ProgramType.SCHED_CLS);
    expect(typeOf(iproute2Loader().open(untyped, { 'iproute2.programType': 'xdp' }))).toBe(ProgramType.XDP);
    expect(typeOf(iproute2Loader(new SimulatedKernel(), { programType: 'cls' }).open(untyped))).toBe(
      ProgramType.SCHED_CLS,
    );
    // the tc fixture holds bpf_elf_map definitions: its tail-call sections are typed under auto
    expect(
      iproute2Loader()
        .open(tc)
        .programs.find((p) => p.name === 'tail_zero')!.type,
    ).toBe(ProgramType.SCHED_CLS);
  });

  it('loads through the simulated kernel: pins in tc/globals, slots filled', async () => {
    const kernel = new SimulatedKernel();
    const loader = iproute2Loader(kernel);
    const loaded = await loader.load(loader.open(tc), { pinRoot: '/sys/fs/bpf' });
    try {
      for (const name of ['jmp_table', 'tail_hits', 'inner_hits', 'outer_maps']) {
        expect(kernel.getPinned(`/sys/fs/bpf/tc/globals/${name}`)).toBeDefined();
      }
      expect(loaded.map('jmp_table').lookup(new Uint8Array(4))).toBeDefined();
      expect(loaded.map('outer_maps').lookup(new Uint8Array(4))).toBeDefined();
    } finally {
      loaded.close();
    }
  });
});
