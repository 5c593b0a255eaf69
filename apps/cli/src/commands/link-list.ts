import { exactly } from '../args.js';
import type { CommandInput } from '../command-table.js';
import { ExitCode } from '../exit-codes.js';
import { describeLink, type LinkView } from '../introspect/link-view.js';
import { walkObjects } from '../introspect/walk-ids.js';
import { loaderFor } from '../loader-factory.js';
import { formatTable } from '../table.js';

/** `bpfkit link list`: every BPF link in the kernel, as `bpftool link list`. */
export async function linkListCli({ values, positionals, io, makeLoader }: CommandInput): Promise<number> {
  exactly(positionals, 0, 'link list', '');
  const { backend } = loaderFor(false, makeLoader);
  const links = walkObjects(
    backend,
    'link',
    (id) => backend.linkFdById(id),
    (fd) => describeLink(backend, fd),
  );
  io.out(values.json ? JSON.stringify(links) : renderLinkList(links));
  return ExitCode.OK;
}

export function renderLinkList(links: readonly LinkView[]): string {
  return formatTable(
    ['id', 'type', 'prog', 'target'],
    links.map((l) => [l.id, l.type, l.prog_id, linkTarget(l)]),
  );
}

function linkTarget(link: LinkView): string {
  const parts = [
    link.tp_name,
    link.attach_type,
    link.ifindex === undefined ? undefined : `ifindex ${link.ifindex}`,
    link.cgroup_id === undefined ? undefined : `cgroup ${link.cgroup_id}`,
    link.netns_ino === undefined ? undefined : `netns ${link.netns_ino}`,
    link.target_btf_id ? `btf ${link.target_obj_id}:${link.target_btf_id}` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' ') || '-';
}
