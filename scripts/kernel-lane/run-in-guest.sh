#!/usr/bin/env bash
# Runs one command in the Debian 6.1 guest (qemu, TCG: no KVM needed) and exits with its exit code.
#   scripts/kernel-lane/run-in-guest.sh [--timeout SECONDS] [--out DIR] COMMAND [ARG...]
# The guest sees the host's root read-only (9p, under a tmpfs overlay) and the project as an ext4
# snapshot of the working tree at the same path (far faster than 9p for node_modules); the command
# runs in the project directory as root, with the environment variables listed in LANE_PASS_ENV.
# What the command writes to /job/out is copied to DIR (--out) after the guest stops.
# A guest that hangs is killed after the timeout (default 55 min), so CI cannot hang on it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout_s=${BPFKIT_LANE_TIMEOUT:-3300}
out_dir=
while [[ ${1:-} == --* ]]; do
  case $1 in
    --timeout) timeout_s=$2 ;;
    --out) out_dir=$2 ;;
    *) break ;;
  esac
  shift 2
done
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--timeout SECONDS] [--out DIR] COMMAND [ARG...]" >&2
  exit 2
fi

kernel_dir=$("$LANE_DIR/prepare-kernel.sh")

job=$(mktemp -d "${TMPDIR:-/tmp}/bpfkit-lane-job.XXXXXX")
trap 'rm -rf "$job"' EXIT
mkdir "$job/out"
# The guest kernel's own config, for /boot as a Debian system has it (.kconfig externs read it).
cp "$kernel_dir/root/boot/config-$(basename "$kernel_dir")" "$job/" 2>/dev/null || true

# The project as an ext4 image: mkfs.ext4 -d copies the tree (symlinks kept) without mounting.
image="$job/project.ext4"
size_mb=$(($(du -sm --exclude=.git "$PROJECT_DIR" | cut -f1) * 3 / 2 + 256))
truncate -s "${size_mb}M" "$image"
mkfs.ext4 -q -F -E root_owner=0:0 -L bpfkit-project -d "$PROJECT_DIR" "$image"

{
  printf 'export PATH=%q HOME=/root LANE_PROJECT_DIR=%q\n' "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$PROJECT_DIR"
  for name in ${LANE_PASS_ENV:-}; do
    [[ -n ${!name+set} ]] && printf 'export %s=%q\n' "$name" "${!name}"
  done
} >"$job/env"
{
  echo '. /job/env'
  printf '%q ' "$@"
  echo
} >"$job/command"

bios=()
[[ -f /usr/share/qemu/qboot.rom ]] && bios=(-bios /usr/share/qemu/qboot.rom)

lane_log "booting $(basename "$kernel_dir") (timeout ${timeout_s}s): $*"
# timeout runs qemu in a process group of its own: stop it too when this script is stopped.
timeout -k 20 "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp 2 -m 2G -nodefaults -display none -no-reboot "${bios[@]}" \
  -serial stdio -kernel "$kernel_dir/vmlinuz" -initrd "$kernel_dir/initramfs.cpio.gz" \
  -append "console=ttyS0 quiet panic=-1 nokaslr mitigations=off" \
  -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$job,mount_tag=job,security_model=none" \
  -drive "file=$image,if=virtio,format=raw,snapshot=on" \
  -device virtio-rng-pci </dev/null &
guest=$!
trap 'kill "$guest" 2>/dev/null || true; rm -rf "$job"' EXIT
trap 'exit 130' INT TERM
status=0
wait "$guest" || status=$?

if [[ -n $out_dir ]]; then
  mkdir -p "$out_dir"
  cp -a "$job/out/." "$out_dir/"
fi
if [[ $status -eq 124 ]]; then
  lane_log "the guest did not finish within ${timeout_s}s: killed"
  exit 124
fi
if [[ ! -f $job/rc ]]; then
  lane_log "the guest stopped without writing an exit code (qemu exit status $status)"
  exit 1
fi
exit "$(cat "$job/rc")"
