#!/usr/bin/env bash
# The selftests corpus (scripts/selftests-corpus) on the lane's 6.1 kernel: the same comparison of
# bpfkit with libbpf (bpftool prog loadall) as on the host, in the guest, where trampolines
# (fentry/fexit/lsm) and more iterators exist. The programs are compiled on the host against a
# vmlinux.h of the guest kernel's BTF, which one short boot copies out (cached with the kernel).
# Fails as the host's corpus test does: an object libbpf loads and bpfkit refuses, or fewer compiled;
# exits 124 when the guest did not finish within BPFKIT_LANE_TIMEOUT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_DIR"
started=$SECONDS

kernel_dir=$("$LANE_DIR/prepare-kernel.sh")
release=$(basename "$kernel_dir")
btf="$kernel_dir/vmlinux.btf"
if [[ ! -s $btf ]]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/bpfkit-lane-btf.XXXXXX")
  "$LANE_DIR/run-in-guest.sh" --timeout 600 --out "$out" sh -c 'cat /sys/kernel/btf/vmlinux >/job/out/vmlinux.btf'
  mv "$out/vmlinux.btf" "$btf.tmp" && mv "$btf.tmp" "$btf"
  rm -rf "$out"
fi

export BPFKIT_CORPUS_CACHE=${BPFKIT_CORPUS_CACHE:-${HOME:-/root}/.cache/bpfkit-corpus}
BPFKIT_CORPUS_KERNEL_RELEASE=$release BPFKIT_CORPUS_VMLINUX_BTF=$btf scripts/selftests-corpus/build.sh >/dev/null
lane_log "corpus compiled for $release ($((SECONDS - started)) s)"

config=scripts/selftests-corpus/vitest.config.ts
# collecting fills vitest's module cache on the host (see test-kernels.sh)
node_modules/.bin/vitest list --experimental.fsModuleCache --config "$config" >/dev/null
report=$(mktemp -d "${TMPDIR:-/tmp}/bpfkit-lane-corpus.XXXXXX")
trap 'rm -rf "$report"' EXIT
status=0
# The cache is on the host's read-only root: the test's report goes to the guest's overlay, then out.
BPFKIT_REQUIRE_CORPUS=1 CI=true LANE_PASS_ENV="BPFKIT_REQUIRE_CORPUS BPFKIT_CORPUS_CACHE CI" \
  "$LANE_DIR/run-in-guest.sh" --out "$report" sh -c \
  'node_modules/.bin/vitest run --experimental.fsModuleCache --config "$1"; code=$?
   cp -r "$(cat "$BPFKIT_CORPUS_CACHE/objects-dir-$(uname -r)")/report" /job/out/ 2>/dev/null; exit $code' \
  guest "$config" || status=$?
if [[ -f $report/report/differences.md ]]; then
  objs=$(cat "$BPFKIT_CORPUS_CACHE/objects-dir-$release")
  rm -rf "$objs/report" && cp -r "$report/report" "$objs/report"
  lane_log "corpus report of the guest: $objs/report/differences.md"
fi
case $status in
  0) outcome=passed ;;
  124) outcome="not finished within BPFKIT_LANE_TIMEOUT" ;;
  *) outcome=FAILED status=1 ;;
esac
lane_log "corpus on $release: $((SECONDS - started)) s, $outcome"
# 124: the guest ran out of time (run-in-guest.sh), which the caller may treat apart from a failure
exit "$status"
