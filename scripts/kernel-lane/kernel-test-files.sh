#!/usr/bin/env bash
# Lists the test files that use the running kernel (the ones the lane runs on every kernel):
# every *.kernel.test.ts, and any other test file gated on the kernel (kernelOk/kernelSkipReason).
# Pure unit tests are left out: they give the same answer on every kernel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# With --guest, less the files host-only.txt leaves to the host (each with its reason).
hostOnly=''
[[ ${1:-} == --guest ]] && hostOnly=$(grep -v '^#' scripts/kernel-lane/host-only.txt | cut -f1 | grep -v '^$' || true)
{
  git ls-files --cached --others --exclude-standard -- '*.kernel.test.ts'
  git grep -l --untracked -E '\b(kernelOk|kernelSkipReason)\b' -- '*.test.ts'
} | sort -u | { [[ -n $hostOnly ]] && grep -vxF -f <(printf '%s\n' "$hostOnly") || cat; }
