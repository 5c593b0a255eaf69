import type { Loader } from '@bpfkit/loader';
import type { SideResult } from './load-with-libbpf.js';

/** bpfkit's answer: open() then load() of the whole object (as loadall), closed right after. */
export async function loadWithBpfkit(loader: Loader, object: string): Promise<SideResult> {
  let spec: ReturnType<Loader['open']>;
  try {
    spec = loader.open(object);
  } catch (error) {
    return { opened: false, loaded: false, error: messageOf(error) };
  }
  try {
    const loaded = await loader.load(spec);
    loaded.close();
    return { opened: true, loaded: true };
  } catch (error) {
    return { opened: true, loaded: false, error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const flat = text.replace(/\s+/g, ' ');
  // Errors carrying a verifier log are long; its head says what, its tail says where.
  return flat.length <= 400 ? flat : `${flat.slice(0, 250)} … ${flat.slice(-150)}`;
}
