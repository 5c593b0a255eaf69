# Shared settings of the kernel lane, sourced by its scripts.
# The cache holds the unpacked Debian kernel, the initramfs and the project image between runs.
LANE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT_DIR=$(cd "$LANE_DIR/../.." && pwd)
LANE_CACHE=${BPFKIT_LANE_CACHE:-${HOME:-/root}/.cache/bpfkit-lane}
# The Debian package whose dependency names the current kernel (generic flavour: -cloud has no 9p).
LANE_META_PACKAGE=${BPFKIT_LANE_META_PACKAGE:-linux-image-amd64}
# Modules the guest's init loads, in this order, each after its modules.dep dependencies: the ones
# it boots with, then those tests need (veth pairs, tc's clsact and cls_bpf). The chroot has no
# modules of this kernel, so nothing is loaded on demand.
LANE_MODULES=(virtio_pci virtio_rng 9pnet_virtio 9p overlay virtio_blk ext4 veth sch_ingress cls_bpf act_bpf)

lane_log() { echo "[kernel-lane] $*" >&2; }
