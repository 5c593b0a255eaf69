import { readFileSync } from 'node:fs';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { createLoader } from '@bpfkit/loader';
import { describe, expect, it } from 'vitest';
import { generateModule } from './skeleton-module.js';

const repo = (path: string) => new URL(`../../../../${path}`, import.meta.url).pathname;

function generate(path: string): string {
  const bytes = readFileSync(repo(path));
  const spec = createLoader({ backend: new SimulatedKernel() }).open(bytes);
  return generateModule(spec, bytes, { objectName: spec.name, source: 'x.bpfel.o' });
}

describe('gen types module text', () => {
  it('types maps from their BTF key and value, per-CPU maps per CPU, and keeps typedef names', () => {
    const module = generate('packages/maps-btf/src/fixtures/btf_maps.bpfel.o');
    expect(module).toContain('export interface FlowKey {\n  saddr: number;\n  daddr: number;');
    expect(module).toContain(
      '/** typedef struct flow_stats flow_stats_t */\nexport type FlowStatsT = FlowStats;',
    );
    expect(module).toContain('export interface FlowStats {\n  packets: bigint;\n  bytes: bigint;\n}');
    expect(module).toContain('  readonly flows: TypedMap<FlowKey, FlowStatsT>;');
    expect(module).toContain('  readonly lru_counts: TypedPerCpuMap<bigint, number>;');
    // no BTF key type: raw bytes
    expect(module).toContain('  readonly events: LiveMap;');
    expect(module).toContain("export type ProgramName = 'prog_a' | 'prog_b';");
  });

  it('turns enums into literal unions plus a const object, char arrays into strings, unions into optional members', () => {
    const module = generate('packages/btf/src/fixtures/btf_kinds.bpfel.o');
    expect(module).toContain('export type Delta = -1 | 0 | 1;');
    expect(module).toContain('export type Wide = 1n | 18364758544493064720n;');
    expect(module).toContain('  WIDE_BIG: 18364758544493064720n,');
    expect(module).toMatch(/export interface Config \{[^}]*name: string;/);
    expect(module).toMatch(/raw\?: number;/);
  });

  it('embeds the object and names only the file it came from', () => {
    const module = generate('fixtures/global_vars.bpfel.o');
    expect(module).toContain('from x.bpfel.o.');
    expect(module).toContain('export interface Rodata {\n  verdict: number;\n  counting: number;\n}');
    expect(module).toContain('export type WritableVariableName = keyof Data | keyof Bss;');
    const base64 = module.match(/const OBJECT_BASE64 = '([^']+)'/)![1]!;
    expect(Buffer.from(base64, 'base64')).toEqual(readFileSync(repo('fixtures/global_vars.bpfel.o')));
  });

  it('imports only from bpfkit (and node:), the one package `npm install bpfkit` gives directly', async () => {
    const module = generate('fixtures/global_vars.bpfel.o');
    const specifiers = [...module.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)';/gms)].map((m) => m[1]);
    expect(specifiers).toEqual(['node:buffer', 'bpfkit']);
    // and bpfkit exports every name the module imports from it
    const imported = /import \{([^}]*)\} from 'bpfkit';/
      .exec(module)![1]!
      .split(',')
      .map((n) => n.trim());
    const bpfkit = await import('../index.js');
    const values = imported.filter((n) => n && !n.startsWith('type '));
    expect(values.length).toBeGreaterThan(3);
    for (const name of values) expect(bpfkit, name).toHaveProperty(name);
  });

  it('refuses an object without BTF', () => {
    const bytes = readFileSync(repo('fixtures/global_vars.bpfel.o'));
    const spec = createLoader({ backend: new SimulatedKernel() }).open(bytes);
    expect(() =>
      generateModule({ ...spec, btf: undefined } as never, bytes, { objectName: 'g', source: 'g.o' }),
    ).toThrow(/has no BTF/);
  });
});
