/**
 * The injection tokens of every replaceable stage, in one table. A plugin re-registers one of
 * them in a child container; nothing resolves them except the loader's composition root.
 */
export const Tokens = {
  /** ObjectReader: bytes -> ObjectFileView */
  ObjectReader: Symbol.for('bpfkit.ObjectReader'),
  /** MapCollector[]: the ordered list of map-definition formats */
  MapCollectors: Symbol.for('bpfkit.MapCollectors'),
  /** ProgramCollector */
  ProgramCollector: Symbol.for('bpfkit.ProgramCollector'),
  /** extra open-time stages run after collection: Stage<ObjectSpec, ObjectSpec, OpenContext>[] */
  SpecTransforms: Symbol.for('bpfkit.SpecTransforms'),
  /** KernelBackend: the one interface every syscall goes through */
  KernelBackend: Symbol.for('bpfkit.KernelBackend'),
  /** load-time stages, defined by the loader package */
  MapCreator: Symbol.for('bpfkit.MapCreator'),
  CodeLinker: Symbol.for('bpfkit.CodeLinker'),
  ProgramLoader: Symbol.for('bpfkit.ProgramLoader'),
} as const;
