// Compares the specs of both collectors with what libbpf's bpf_object__open makes of the same
// objects (libbpf 1.x from libbpf-dev, through a C program compiled here). Not a kernel test.
import { execFileSync } from 'node:child_process';
import type { MapSpec } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { btfMapCollector } from './btf-map-collector.js';
import { globalDataCollector } from './global-data-collector.js';
import { internalMapKernelName } from './internal-map-name.js';
import { fixturePath, loadFixture, openContext } from './test-support/fixtures.js';
import { buildOracle, type OracleMap, runOracle } from './test-support/libbpf-oracle.js';

const oracle = buildOracle();
const skipReason = 'reason' in oracle ? oracle.reason : undefined;
if (skipReason) console.warn(`skipping the libbpf comparison: ${skipReason}`);

/** libbpf names an object after its file name up to the first dot. */
const objectNameOf = (file: string) => file.slice(0, file.indexOf('.'));

function bpfkitMaps(file: string, relaxedMaps = false): MapSpec[] {
  const elf = loadFixture(file);
  const context = openContext({ relaxedMaps }, objectNameOf(file));
  return [btfMapCollector, globalDataCollector].flatMap((collector) => {
    const sections = elf.sections.filter((s) => collector.claims(s, elf, context));
    return sections.length ? collector.collect(elf, sections, context) : [];
  });
}

/** A spec as the oracle prints a map: libbpf's name for it and its defaults for absent fields. */
function asLibbpf(spec: MapSpec, objectName: string): OracleMap {
  const name = spec.kind === 'data' ? internalMapKernelName(objectName, spec.name) : spec.name;
  return {
    name,
    type: spec.type,
    key_size: spec.keySize,
    value_size: spec.valueSize,
    max_entries: spec.maxEntries,
    map_flags: spec.flags,
    numa_node: spec.numaNode ?? 0,
    map_extra: Number(spec.mapExtra ?? 0n),
    pin_path: spec.pinning.kind === 'by-name' ? `/sys/fs/bpf/${spec.name}` : null,
    btf_key_type_id: spec.btfKeyTypeId ?? 0,
    btf_value_type_id: spec.btfValueTypeId ?? 0,
    inner: spec.innerMap ? asLibbpf(spec.innerMap, objectName) : null,
  };
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

describe('the collectors agree with libbpf', () => {
  const cases: [string, boolean][] = [
    ['btf_maps.bpfel.o', false],
    ['global_data.bpfel.o', false],
    ['btf_maps_custom_field.bpfel.o', true],
  ];

  it.skipIf(skipReason !== undefined).each(cases)('on every map of %s (relaxed: %s)', (file, relaxed) => {
    const path = 'path' in oracle ? oracle.path : '';
    const expected = runOracle(path, fixturePath(file), relaxed);
    const actual = bpfkitMaps(file, relaxed).map((m) => asLibbpf(m, expected.object));
    expect(actual.length).toBeGreaterThan(0);
    expect([...actual].sort(byName)).toEqual([...expected.maps].sort(byName));
  });

  it.skipIf(skipReason !== undefined)('by refusing the same unknown member when not relaxed', () => {
    const path = 'path' in oracle ? oracle.path : '';
    expect(() =>
      execFileSync(path, [fixturePath('btf_maps_custom_field.bpfel.o')], { stdio: 'pipe' }),
    ).toThrow();
    expect(() => bpfkitMaps('btf_maps_custom_field.bpfel.o')).toThrow(/unknown field 'tc_class'/);
  });
});
