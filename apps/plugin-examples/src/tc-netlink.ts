import { definePlugin, placeInList } from '@bpfkit/core';
import { tcNetlinkAttacher } from '@bpfkit/kernel-backend';
import { LoadTokens } from '@bpfkit/loader';

/**
 * An attach-phase plugin: sched_cls programs attach as tc does it through rtnetlink (a clsact qdisc
 * and a cls_bpf filter in direct-action mode) where the kernel has no tcx (before 6.6), or always
 * with the attach option `tcMode: 'netlink'`. Its attacher goes before the default `tcx` one; with
 * tcx available and no option, it declines and tcx attaches as before.
 */
export function tcNetlinkPlugin() {
  return definePlugin({
    name: 'tc netlink',
    register: (container) =>
      placeInList(container, LoadTokens.Attachers, tcNetlinkAttacher, { before: 'tcx' }, (a) => a.name),
  });
}
