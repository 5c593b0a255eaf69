import { type Btf, BtfBuilder, parseBtf } from '@bpfkit/btf';
import type { ExternPlan } from './extern-plan.js';

/**
 * The object's BTF made loadable with its externs, as libbpf's bpf_object__collect_externs
 * rewrites it (the kernel refuses extern VARs): the .kconfig DATASEC gets the plan's offsets and
 * size, its VARs become global; in .ksyms every entry becomes a 4-byte slot, VARs global ints, and
 * FUNCs are replaced by a "dummy_ksym" VAR, their linkage made global and unnamed parameters
 * named. Variables are sorted by offset (btf_fixup_datasec). Returns the input when there is
 * nothing to do.
 */
export function layoutExternDatasecs(btf: Btf, plan: ExternPlan): Btf {
  const builder = BtfBuilder.from(btf);
  const offsets = new Map(
    plan.externs.flatMap((e) => (e.kind === 'kconfig' ? [[e.name, e.offset] as const] : [])),
  );
  let changed = false;
  let intId: number | undefined;
  let dummyId: number | undefined;
  // libbpf's find_int_btf_id (the first 32-bit INT), added when the object has none.
  const int32 = (): number => {
    intId ??=
      [...builder.entries()].find(([, t]) => t.kind === 'INT' && t.bits === 32)?.[0] ??
      builder.addInt('int', 4, { signed: true });
    return intId;
  };
  const dummyVar = (): number => {
    dummyId ??= builder.add({ kind: 'VAR', name: 'dummy_ksym', type: int32(), linkage: 'global' });
    return dummyId;
  };
  for (const [, type] of [...builder.entries()]) {
    if (type.kind !== 'DATASEC') continue;
    if (type.name === '.kconfig') {
      for (const info of type.vars) {
        const variable = builder.type(info.type);
        if (variable.kind !== 'VAR') continue;
        info.offset = offsets.get(variable.name) ?? info.offset;
        variable.linkage = 'global';
      }
      type.size = plan.kconfigSize;
      type.vars.sort((a, b) => a.offset - b.offset);
      changed = true;
    } else if (type.name === '.ksyms') {
      type.vars.forEach((info, index) => {
        const entry = builder.type(info.type);
        if (entry.kind === 'FUNC') {
          const proto = builder.type(entry.type);
          const dummy = dummyVar();
          if (proto.kind === 'FUNC_PROTO') {
            for (const param of proto.params)
              if (param.type !== 0 && param.name === '') param.name = 'dummy_ksym';
          }
          entry.linkage = 'global';
          info.type = dummy;
        } else if (entry.kind === 'VAR') {
          entry.linkage = 'global';
          entry.type = int32();
        }
        info.offset = index * 4;
        info.size = 4;
      });
      type.size = type.vars.length * 4;
      changed = true;
    }
  }
  return changed ? parseBtf(builder.encode()) : btf;
}
