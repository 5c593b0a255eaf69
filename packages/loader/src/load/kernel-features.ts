import { encodeInstructions } from '@bpfkit/asm';
import { BtfBuilder, type BtfFeatures, type BtfTypeDef } from '@bpfkit/btf';
import { type Instruction, MapFlag, MapType, ProgramType } from '@bpfkit/core';
import type { KernelBackend } from '@bpfkit/kernel-backend';

/** What the loader asks of the running kernel before it shapes BTF and maps; probed once per backend. */
export interface KernelFeatures {
  btf: BtfFeatures;
  /** BPF_F_MMAPABLE on arrays (5.5) */
  mmapableArrays: boolean;
  /** the bpf_get_attach_cookie helper (5.15), libbpf's FEAT_BPF_COOKIE: LINUX_HAS_BPF_COOKIE */
  bpfCookie: boolean;
}

const cache = new WeakMap<KernelBackend, KernelFeatures>();

/** Probes each feature with the smallest object that needs it, as libbpf's probe_kern_* do; memoized. */
export function kernelFeatures(backend: KernelBackend): KernelFeatures {
  let features = cache.get(backend);
  if (!features) {
    features = {
      btf: {
        btfFunc: acceptsBtf(backend, (b, int) => {
          const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: int, params: [] });
          b.add({ kind: 'FUNC', name: 'f', type: proto, linkage: 'static' });
        }),
        funcGlobal: acceptsBtf(backend, (b, int) => {
          const proto = b.add({ kind: 'FUNC_PROTO', name: '', returnType: int, params: [] });
          b.add({ kind: 'FUNC', name: 'f', type: proto, linkage: 'global' });
        }),
        datasec: acceptsBtf(backend, (b, int) => addDatasec(b, int, '.data')),
        qmarkDatasec: acceptsBtf(backend, (b, int) => addDatasec(b, int, '?.data')),
        float: acceptsBtf(backend, (b) => b.add({ kind: 'FLOAT', name: 'float', size: 4 })),
        declTag: acceptsBtf(backend, (b, int) => {
          const v = b.add({ kind: 'VAR', name: 'v', type: int, linkage: 'static' });
          b.add({ kind: 'DECL_TAG', name: 'tag', type: v, componentIdx: -1 });
        }),
        typeTag: acceptsBtf(backend, (b, int) => {
          const tag = b.add({ kind: 'TYPE_TAG', name: 'tag', type: int });
          b.add({ kind: 'PTR', name: '', type: tag });
        }),
        enum64: acceptsBtf(backend, (b) =>
          b.add({
            kind: 'ENUM64',
            name: 'e',
            size: 8,
            signed: false,
            values: [{ name: 'A', value: 1n << 40n }],
          }),
        ),
      },
      mmapableArrays: acceptsMap(backend, MapFlag.MMAPABLE),
      bpfCookie: acceptsProgram(backend, ProgramType.TRACEPOINT, [
        { code: 0x85, dst: 0, src: 0, off: 0, imm: 174 /* bpf_get_attach_cookie */ },
        { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
        { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      ]),
    };
    cache.set(backend, features);
  }
  return features;
}

function addDatasec(b: BtfBuilder, int: number, name: string): void {
  const v = b.add({ kind: 'VAR', name: 'v', type: int, linkage: 'static' });
  b.add({ kind: 'DATASEC', name, size: 4, vars: [{ type: v, offset: 0, size: 4 }] } as BtfTypeDef);
}

function acceptsBtf(backend: KernelBackend, build: (b: BtfBuilder, int: number) => void): boolean {
  const builder = new BtfBuilder();
  build(builder, builder.addInt('int', 4, { signed: true }));
  try {
    backend.loadBtf(builder.encode()).close();
    return true;
  } catch {
    return false;
  }
}

function acceptsProgram(backend: KernelBackend, type: number, instructions: Instruction[]): boolean {
  try {
    backend
      .loadProgram({
        type,
        instructions: encodeInstructions(instructions, 'little'),
        license: 'GPL',
        name: 'probe',
      })
      .close();
    return true;
  } catch {
    return false;
  }
}

function acceptsMap(backend: KernelBackend, flags: number): boolean {
  try {
    backend
      .createMap({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags, name: 'probe' })
      .close();
    return true;
  } catch {
    return false;
  }
}
