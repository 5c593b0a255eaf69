#!/usr/bin/env bash
# Lists the test files that use the running kernel (the ones the lane runs on every kernel):
# every *.kernel.test.ts, and any other test file gated on the kernel (kernelOk/kernelSkipReason).
# Pure unit tests are left out: they give the same answer on every kernel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
{
  git ls-files --cached --others --exclude-standard -- '*.kernel.test.ts'
  git grep -l --untracked -E '\b(kernelOk|kernelSkipReason)\b' -- '*.test.ts'
} | sort -u
