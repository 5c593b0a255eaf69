#!/usr/bin/env bash
# `npm run test:kernels`: the kernel test files on the host's kernel, then in the Debian 6.1 guest,
# both with BPFKIT_REQUIRE_KERNEL=1 (a kernel test that would skip fails instead). In the guest CI=true
# keeps vitest from redrawing its progress on the serial console as if it were a terminal. Fails when any
# test fails or did not run on either kernel. Extra arguments go to both vitest runs.
#   BPFKIT_LANE_ONLY=guest|host  runs one side only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_DIR"

mapfile -t files < <("$LANE_DIR/kernel-test-files.sh")
mapfile -t guestFiles < <("$LANE_DIR/kernel-test-files.sh" --guest)
results=$(mktemp -d "${TMPDIR:-/tmp}/bpfkit-lane-results.XXXXXX")
trap 'rm -rf "$results"' EXIT
export BPFKIT_REQUIRE_KERNEL=1
# vitest's transform cache on disk (node_modules/.experimental-vitest-cache): filled on the host, it
# travels into the guest with the project image, where transforming TypeScript is ~12x slower.
vitest=(node_modules/.bin/vitest run --experimental.fsModuleCache --reporter=default --reporter=json)
started=$SECONDS
status=0

if [[ ${BPFKIT_LANE_ONLY:-host} != guest ]]; then
  lane_log "host kernel $(uname -r): ${#files[@]} test files"
  "${vitest[@]}" --outputFile.json="$results/host.json" "$@" "${files[@]}" ||
    status=1
  node "$LANE_DIR/all-tests-ran.mjs" "$results/host.json" "host $(uname -r)" "${files[@]}" || status=1
  lane_log "host run took $((SECONDS - started)) s"
fi

if [[ ${BPFKIT_LANE_ONLY:-guest} != host ]]; then
  guest_started=$SECONDS
  # Tests known to fail (or too slow under emulation) on 6.1 are filtered out by name and listed in
  # the summary: a vitest name pattern that matches every test but those (regex-escaped titles).
  known="$LANE_DIR/guest-known-failures.txt"
  titles=$(awk -F'\t' '!/^#/ && NF { print $1 }' "$known" | sed 's/[][\.*^$()+?{}|/]/\\&/g' | paste -sd'|')
  filter=()
  [[ -n $titles ]] && filter=(-t "^(?!.*(?:$titles)).*$")
  # One file at a time in the guest: its two emulated CPUs gain nothing from two (the files' times
  # summed equal the run's), and a file that starts 8 node processes would otherwise starve the start
  # of the next file's worker past vitest's fixed 90 s.
  # collecting the files imports every module they need: that fills the cache without running a test
  node_modules/.bin/vitest list --experimental.fsModuleCache "$@" "${guestFiles[@]}" >/dev/null
  CI=true LANE_PASS_ENV="BPFKIT_REQUIRE_KERNEL CI" "$LANE_DIR/run-in-guest.sh" --out "$results/guest" \
    sh -c 'uname -r | tee /job/out/kernel && exec "$@" --outputFile.json=/job/out/report.json' \
    guest "${vitest[@]}" --no-file-parallelism "${filter[@]}" "$@" "${guestFiles[@]}" || status=1
  if [[ -f $results/guest/report.json ]]; then
    node "$LANE_DIR/all-tests-ran.mjs" "$results/guest/report.json" "guest $(cat "$results/guest/kernel")" --known "$known" "${guestFiles[@]}" ||
      status=1
  else
    lane_log "the guest wrote no vitest report"
    status=1
  fi
  lane_log "guest run took $((SECONDS - guest_started)) s (boot included)"
fi

lane_log "kernel lane: $((SECONDS - started)) s, $([[ $status -eq 0 ]] && echo passed || echo FAILED)"
exit "$status"
