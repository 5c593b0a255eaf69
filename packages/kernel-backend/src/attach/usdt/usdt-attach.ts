import type { FdArg, KernelBackend } from '../../backend.js';
import { readHostFile, resolveHostBinary } from '../../host-file.js';
import { ET_DYN, type LoadSegment, readHostElf } from '../host-elf.js';
import { Link } from '../link.js';
import { attachUprobe } from '../probes.js';
import { resolveBinaryPath } from './binary-path.js';
import { kernelHasBpfCookie } from './bpf-cookie.js';
import { fillUsdtMaps, type UsdtMaps, usdtMaps } from './usdt-maps.js';
import { processMappings, usdtTargets } from './usdt-targets.js';

export interface UsdtAttachOptions {
  /** the executable or shared library; a name without '/' is searched as libbpf does */
  binary: string;
  provider: string;
  name: string;
  /** trace only this process (0: the calling one); default every process that runs the binary */
  pid?: number;
  /** what bpf_usdt_cookie() returns in the handler (default 0) */
  cookie?: bigint;
  /** the maps of the program's object, by name, or its two usdt.bpf.h maps */
  maps: ReadonlyMap<string, FdArg> | UsdtMaps;
  /**
   * How the handler finds its spec: by BPF cookie or by ip. Defaults to the kernel's answer, the
   * same probe that sets LINUX_HAS_BPF_COOKIE at load; set it only for an object loaded otherwise.
   */
  bpfCookie?: boolean;
}

/**
 * Attaches a program written with usdt.bpf.h to every site of a USDT probe (libbpf's
 * bpf_program__attach_usdt): reads the probe's notes, writes each site's argument spec into the
 * object's `__bpf_usdt_specs` (and, without BPF cookies, its ip into `__bpf_usdt_ip_to_spec_id`),
 * and opens one uprobe per site, with the spec id as its cookie and the semaphore's file offset
 * as its reference counter. The returned Link owns every uprobe and map entry; closing it detaches
 * them all and frees the spec ids for later attachments.
 */
export function attachUsdt(backend: KernelBackend, program: FdArg, options: UsdtAttachOptions): Link {
  const path = resolveHostBinary(resolveBinaryPath(options.binary));
  const probe = `USDT ${options.provider}:${options.name} in ${path}`;
  const elf = readHostElf(readHostFile(path, 'USDT binary'), path);
  const pid = options.pid === undefined || options.pid < 0 ? undefined : options.pid || process.pid;
  const bpfCookie = options.bpfCookie ?? kernelHasBpfCookie(backend);
  let mappings: LoadSegment[] | undefined;
  if (elf.type === ET_DYN && !bpfCookie && pid !== undefined) {
    mappings = processMappings(
      readHostFile(`/proc/${pid}/maps`, `the memory map of process ${pid}`).toString('latin1'),
      path,
    );
  }
  const targets = usdtTargets(elf, options.provider, options.name, {
    bpfCookie,
    ...(mappings ? { mappings } : {}),
  });
  const maps = isUsdtMaps(options.maps) ? options.maps : usdtMaps(options.maps, `for ${probe}`);
  const entries = fillUsdtMaps(backend, maps, targets, { cookie: options.cookie ?? 0n, bpfCookie, probe });
  const uprobes: Link[] = [];
  try {
    targets.forEach((target, index) => {
      uprobes.push(
        attachUprobe(backend, program, path, undefined, {
          offset: Number(target.fileOffset),
          ...(bpfCookie ? { cookie: BigInt(entries.specIds[index]!) } : {}),
          ...(pid === undefined ? {} : { pid }),
          ...(target.semaphoreOffset ? { refCtrOffset: target.semaphoreOffset } : {}),
        }),
      );
    });
  } catch (error) {
    for (const uprobe of uprobes) uprobe.close();
    entries.release();
    throw error;
  }
  const sites = `${targets.length} site${targets.length === 1 ? '' : 's'}`;
  // teardowns run last-first: the uprobes go before their map entries are taken back
  return new Link('usdt', `${probe} (${sites})`, backend, undefined, [
    () => entries.release(),
    ...uprobes.map((uprobe) => () => uprobe.close()),
  ]);
}

function isUsdtMaps(maps: UsdtAttachOptions['maps']): maps is UsdtMaps {
  return 'specs' in maps && 'ipToSpecId' in maps;
}
