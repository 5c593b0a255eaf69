import { ObjectBtfArtifact } from '@bpfkit/btf';
import { NotFoundError, UsageError } from '@bpfkit/core';
import { describe, expect, it } from 'vitest';
import { dataVariables, readVariable, writeVariable } from './data-variables.js';
import { globalDataCollector } from './global-data-collector.js';
import { loadFixture, openContext } from './test-support/fixtures.js';

function open(order: string) {
  const file = loadFixture(`global_data.${order}.o`);
  const context = openContext();
  const maps = globalDataCollector.collect(
    file,
    file.sections.filter((s) => globalDataCollector.claims(s, file, context)),
    context,
  );
  const btf = context.artifacts.get(ObjectBtfArtifact)!;
  return { btf, map: (name: string) => maps.find((m) => m.name === name)! };
}

describe.each(['bpfel', 'bpfeb'])('global variables of global_data.%s.o', (order) => {
  it('lists each data map’s variables with offset, size and type', () => {
    const { btf, map } = open(order);
    const rodata = dataVariables(btf, map('.rodata'));
    expect(rodata.map(({ name, offset, size, linkage }) => ({ name, offset, size, linkage }))).toEqual([
      { name: 'sample_rate', offset: 0, size: 4, linkage: 'global' },
      { name: 'limits', offset: 8, size: 16, linkage: 'global' },
      { name: 'allowed_ports', offset: 24, size: 8, linkage: 'global' },
      { name: 'greeting', offset: 32, size: 8, linkage: 'global' },
    ]);
    expect(btf.formatType(rodata[1]!.typeId)).toBe('const volatile struct limits');
    expect(dataVariables(btf, map('.data.custom')).map((v) => v.name)).toEqual([
      'custom_counter',
      'custom_wide',
    ]);
  });

  it('decodes initial values: numbers, bigints, structs, arrays and strings', () => {
    const { btf, map } = open(order);
    const rodata = map('.rodata');
    expect(readVariable(btf, rodata, 'sample_rate')).toBe(100);
    expect(readVariable(btf, rodata, 'limits')).toEqual({
      max_packets: 1000,
      port: 8080,
      enabled: 1,
      offset: -5n,
    });
    expect(readVariable(btf, rodata, 'allowed_ports')).toEqual([22, 80, 443, 0]);
    expect(readVariable(btf, rodata, 'greeting')).toBe('hello');
    expect(readVariable(btf, map('.data'), 'packets_seen')).toBe(42n);
    expect(readVariable(btf, map('.data'), 'last_verdict')).toBe(-1);
    expect(readVariable(btf, map('.data.custom'), 'custom_wide')).toBe(0x1122334455667788n);
    expect(readVariable(btf, map('.bss'), 'per_port')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('writes a constant into .rodata between open and load, touching only that variable', () => {
    const { btf, map } = open(order);
    const rodata = map('.rodata');
    const before = rodata.initialData!.slice();
    writeVariable(btf, rodata, 'limits', { port: 9090 });
    writeVariable(btf, rodata, 'sample_rate', 7);
    expect(readVariable(btf, rodata, 'limits')).toEqual({
      max_packets: 1000,
      port: 9090,
      enabled: 1,
      offset: -5n,
    });
    expect(readVariable(btf, rodata, 'sample_rate')).toBe(7);
    expect(rodata.initialData!.slice(24)).toEqual(before.slice(24));
    const port = new DataView(rodata.initialData!.buffer, rodata.initialData!.byteOffset + 8 + 4, 2);
    expect(port.getUint16(0, order === 'bpfel')).toBe(9090);
  });

  it('creates initial data when writing to .bss', () => {
    const { btf, map } = open(order);
    const bss = map('.bss');
    writeVariable(btf, bss, 'drops', 5n);
    expect(bss.initialData).toHaveLength(bss.valueSize);
    expect(readVariable(btf, bss, 'drops')).toBe(5n);
    expect(readVariable(btf, bss, 'per_port')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('global variables', () => {
  it('names the variables a map has when asked for one it lacks', () => {
    const { btf, map } = open('bpfel');
    const run = () => readVariable(btf, map('.data'), 'nope');
    expect(run).toThrow(NotFoundError);
    expect(run).toThrow(expect.objectContaining({ hint: 'its variables: packets_seen, last_verdict, mac' }));
  });

  it('refuses maps without a DATASEC', () => {
    const { btf, map } = open('bpfel');
    expect(() => dataVariables(btf, map('.rodata.str1.1'))).toThrow(UsageError);
  });

  it('refuses values that do not fit the variable', () => {
    const { btf, map } = open('bpfel');
    expect(() => writeVariable(btf, map('.rodata'), 'greeting', 'far too long')).toThrow(UsageError);
    expect(() => writeVariable(btf, map('.rodata'), 'sample_rate', 2 ** 32)).toThrow(UsageError);
  });
});
