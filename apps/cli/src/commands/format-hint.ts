import { isBpfkitError, silentEvents, UsageError } from '@bpfkit/core';
import type { Loader } from '@bpfkit/loader';

/** Map formats a user picks with --format (the others, like global data, come with any of them). */
const CHOOSABLE = new Set(['legacy', 'iproute2', 'bcc', 'btf']);

/**
 * Runs a command step that opened the object with an explicit --format. When it fails and the
 * object opens without --format with its maps in another format, the error becomes a usage error
 * whose hint names the flag to use ("use --format legacy"), where the library's hint would speak
 * of specs and external maps.
 */
export async function withFormatHint<T>(
  loader: Loader,
  bytes: Uint8Array,
  name: string,
  format: string | undefined,
  step: () => T | Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (format === undefined || format === 'auto' || !isBpfkitError(error)) throw error;
    const better = formatThatFits(loader, bytes, name, format);
    if (better === undefined) throw error;
    throw new UsageError(`${error.message} (with --format ${format})`, {
      location: error.location,
      hint: `this object's maps are ${better} definitions: use --format ${better === 'btf' ? 'libbpf' : better}, or leave --format out to detect it`,
      cause: error,
    });
  }
}

function formatThatFits(loader: Loader, bytes: Uint8Array, name: string, asked: string): string | undefined {
  try {
    const spec = loader.open(bytes, { name }, silentEvents);
    const formats = new Set(spec.maps.map((m) => m.source.format).filter((f) => CHOOSABLE.has(f)));
    const [only] = formats;
    if (formats.size !== 1 || only === undefined) return undefined;
    const askedFormat = asked === 'libbpf' ? 'btf' : asked;
    return only === askedFormat ? undefined : only;
  } catch {
    return undefined;
  }
}
