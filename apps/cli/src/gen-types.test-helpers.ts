// What gen-types' tests share: the generated modules of three fixtures, in a directory inside the
// repo (gitignored) so that their imports of bpfkit resolve to the workspace package.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { main } from './main.js';

const fixture = (path: string) => new URL(`../../../${path}`, import.meta.url).pathname;
// Inside the repo (gitignored), so that the generated modules' imports of @bpfkit/* resolve.
export const genRoot = new URL('../.gen-test/', import.meta.url).pathname;

const objects = {
  btf_maps: 'packages/maps-btf/src/fixtures/btf_maps.bpfel.o',
  global_vars: 'fixtures/global_vars.bpfel.o',
  exec_events: 'apps/cli/src/fixtures/exec_events.bpfel.o',
};

/** Type-level checks: each @ts-expect-error must be an error, or tsc fails. */
export const USE_TS = `import type { FlowKey, FlowStatsT, SkeletonMaps } from './btf_maps.js';
import { ExecKind, type Event, type Variables as ExecVariables } from './exec_events.js';
import type { Skeleton, Variables } from './global_vars.js';

export const key: FlowKey = { saddr: 1, daddr: 2, sport: 3, dport: 4, proto: 6 };
export const stats: FlowStatsT = { packets: 1n, bytes: 2n };
// @ts-expect-error 64-bit counters are bigints
export const wrongStats: FlowStatsT = { packets: 1, bytes: 2 };
export const event: Event = { pid: 1, tp_pid: 2, seq: 3n, comm: 'true' };
export const kind: ExecVariables['last_kind'] = ExecKind.EXEC_AGAIN;
// @ts-expect-error an enum takes its values only
export const wrongKind: ExecVariables['last_kind'] = 7;
export const packets: Variables['packets'] = 1n;

export function writes(skeleton: Skeleton, maps: SkeletonMaps): void {
  skeleton.write('last_len', 5);
  // @ts-expect-error .rodata is frozen after load
  skeleton.write('verdict', 1);
  // @ts-expect-error no such program
  skeleton.program('nope');
  maps.lru_counts.fill(1n, 7);
  // @ts-expect-error keys of flows are struct flow_key
  maps.flows.lookup(7);
}
`;

export const TSCONFIG = {
  extends: '../../../../tsconfig.base.json',
  compilerOptions: {
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
  },
  include: ['*.ts'],
};

/** Runs `bpfkit gen types` over the fixtures into a new directory beside use.ts and its tsconfig. */
export async function generateTypeModules(): Promise<string> {
  mkdirSync(genRoot, { recursive: true });
  const dir = mkdtempSync(join(genRoot, 'gen-'));
  for (const [name, path] of Object.entries(objects)) {
    const err: string[] = [];
    const code = await main(['gen', 'types', fixture(path), '-o', join(dir, `${name}.ts`)], {
      out: () => {},
      err: (t) => err.push(t),
    });
    expect(code, err.join('\n')).toBe(0);
  }
  writeFileSync(join(dir, 'use.ts'), USE_TS);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  return dir;
}
