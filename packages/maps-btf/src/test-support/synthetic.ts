// Map definitions built in code, for the malformed cases no compiler would emit.
import { type Btf, BtfBuilder, type BtfMember } from '@bpfkit/btf';
import {
  type ObjectFileView,
  R_BPF_64_ABS64,
  type RelocationView,
  type SectionView,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_PROGBITS,
  STB_GLOBAL,
  STT_FUNC,
  STT_OBJECT,
  type SymbolView,
} from '@bpfkit/core';

/** A BtfBuilder with the pieces of bpf_helpers.h's __uint / __type / __array. */
export class DefinitionBuilder {
  readonly b = new BtfBuilder();
  readonly int = this.b.addInt('int', 4, { signed: true });
  readonly u64 = this.b.addInt('unsigned long long', 8);

  /** `int (*name)[value]` */
  uint(name: string, value: number): Omit<BtfMember, 'bitOffset'> {
    const array = this.b.add({ kind: 'ARRAY', name: '', type: this.int, indexType: this.int, length: value });
    return { name, type: this.b.add({ kind: 'PTR', name: '', type: array }), bitfieldSize: 0 };
  }

  /** `T *name` */
  type(name: string, type: number): Omit<BtfMember, 'bitOffset'> {
    return { name, type: this.b.add({ kind: 'PTR', name: '', type }), bitfieldSize: 0 };
  }

  /** `typeof(target) *name[]` */
  array(name: string, target: number): Omit<BtfMember, 'bitOffset'> {
    const pointer = this.b.add({ kind: 'PTR', name: '', type: target });
    return {
      name,
      type: this.b.add({ kind: 'ARRAY', name: '', type: pointer, indexType: this.int, length: 0 }),
      bitfieldSize: 0,
    };
  }

  funcProto(): number {
    const voidPtr = this.b.add({ kind: 'PTR', name: '', type: 0 });
    return this.b.add({
      kind: 'FUNC_PROTO',
      name: '',
      returnType: this.int,
      params: [{ name: '', type: voidPtr }],
    });
  }

  /** An anonymous definition struct: every member one 8-byte pointer. */
  struct(members: Omit<BtfMember, 'bitOffset'>[], name = ''): number {
    return this.b.add({
      kind: 'STRUCT',
      name,
      size: members.length * 8,
      bitfieldOffsets: false,
      members: members.map((m, i) => ({ ...m, bitOffset: i * 64 })),
    });
  }

  build(): Btf {
    return this.b.build();
  }
}

export interface SyntheticMap {
  name: string;
  struct: number;
  linkage?: 'static' | 'global';
  /** bytes the variable takes (default: the struct's size); initialised `values` make it larger */
  size?: number;
}

/**
 * A `.maps` section holding `maps` one after another, their DATASEC and symbols, as an
 * ObjectFileView; `relocations` are pointers in `.maps` to symbols by name.
 */
export function syntheticObject(
  d: DefinitionBuilder,
  maps: SyntheticMap[],
  relocations: { offset: number; symbol: string }[] = [],
): { file: ObjectFileView; btf: Btf; section: SectionView } {
  let offset = 0;
  const vars = maps.map((map) => {
    const size = map.size ?? (d.b.type(map.struct) as { size: number }).size;
    const id = d.b.add({ kind: 'VAR', name: map.name, type: map.struct, linkage: map.linkage ?? 'global' });
    const info = { type: id, offset, size };
    offset += size;
    return info;
  });
  d.b.add({ kind: 'DATASEC', name: '.maps', size: offset, vars });
  const section: SectionView = {
    index: 1,
    name: '.maps',
    type: SHT_PROGBITS,
    flags: SHF_ALLOC | SHF_WRITE,
    size: offset,
    offset: 0,
  };
  const code: SectionView = {
    index: 2,
    name: 'xdp',
    type: SHT_PROGBITS,
    flags: SHF_ALLOC | SHF_EXECINSTR,
    size: 8,
    offset: 0,
  };
  const symbol = (
    index: number,
    name: string,
    sectionIndex: number,
    value: number,
    type: number,
  ): SymbolView => ({
    index,
    name,
    value: BigInt(value),
    size: 0n,
    type,
    bind: STB_GLOBAL,
    visibility: 0,
    sectionIndex,
  });
  const symbols = [
    ...vars.map((v, i) => symbol(i, maps[i]!.name, 1, v.offset, STT_OBJECT)),
    symbol(vars.length, 'prog', 2, 0, STT_FUNC),
  ];
  const relocationViews: RelocationView[] = relocations.map((r) => ({
    offset: BigInt(r.offset),
    symbolIndex: symbols.findIndex((s) => s.name === r.symbol),
    type: R_BPF_64_ABS64,
    addend: 0n,
  }));
  const file: ObjectFileView = {
    name: 'synthetic.o',
    byteOrder: 'little',
    sections: [{ index: 0, name: '', type: 0, flags: 0n, size: 0, offset: 0 }, section, code],
    symbols,
    relocationsFor: (index) => (index === 1 ? relocationViews : []),
    sectionData: (index) => new Uint8Array(index === 1 ? offset : 8),
  };
  return { file, btf: d.build(), section };
}
