import { readFileSync } from 'node:fs';
import { type LoaderEvent, ProgramType, UsageError } from '@bpfkit/core';
import { SimulatedKernel } from '@bpfkit/kernel-backend';
import { describe, expect, it } from 'vitest';
import { createLoader } from './container.js';

const object = readFileSync(new URL('../../../fixtures/untyped_sections.bpfel.o', import.meta.url));

describe('sections whose names say no program type', () => {
  const loader = createLoader({ backend: new SimulatedKernel() });

  it('open keeps them untyped and warns, naming the section and the SEC() names near it', () => {
    const events: LoaderEvent[] = [];
    const spec = loader.open(object, { name: 'untyped' }, { emit: (e) => events.push(e) });
    expect(spec.programs.map((p) => [p.name, p.type])).toEqual([
      ['skb_verdict', ProgramType.UNSPEC],
      ['redirect_to_111', ProgramType.UNSPEC],
      ['pass_all', ProgramType.XDP],
    ]);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/section sk_skb1 says no program type.*sk_skb\/stream_parser/);
  });

  it('load refuses them with a UsageError naming the section and the known prefixes', async () => {
    const error = await loader.load(loader.open(object)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(
      'relocate programs: section sk_skb1 does not say which program type skb_verdict is',
    );
    expect((error as UsageError).location).toMatchObject({ section: 'sk_skb1', program: 'skb_verdict' });
    expect((error as UsageError).hint).toContain('sk_skb/stream_verdict');
  });

  it('load takes them once the spec gives them a type, and skips them when not selected', async () => {
    const spec = loader.open(object);
    spec.programs.find((p) => p.name === 'skb_verdict')!.type = ProgramType.SK_SKB;
    const typed = await loader.load(spec, { select: (p) => p.name !== 'redirect_to_111' });
    expect([...typed.programs.keys()]).toEqual(['skb_verdict', 'pass_all']);
    typed.close();
  });
});
