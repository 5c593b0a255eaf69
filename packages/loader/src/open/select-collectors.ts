import { type MapCollector, UsageError } from '@bpfkit/core';

/**
 * Applies --format: 'auto' keeps the pipeline's order; a format name puts that collector first so
 * it wins the sections it claims; 'libbpf' behaves like libbpf >= 1.0 and drops legacy `maps`.
 */
export function selectCollectors(
  collectors: readonly MapCollector[],
  format: string | undefined,
): MapCollector[] {
  if (format === undefined || format === 'auto') return [...collectors];
  if (format === 'libbpf') return collectors.filter((c) => c.format !== 'legacy');
  const chosen = collectors.find((c) => c.format === format);
  if (!chosen) {
    throw new UsageError(`unknown map format ${format}`, {
      hint: `formats in this pipeline: auto, libbpf, ${collectors.map((c) => c.format).join(', ')}`,
    });
  }
  return [chosen, ...collectors.filter((c) => c !== chosen)];
}
