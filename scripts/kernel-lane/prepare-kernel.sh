#!/usr/bin/env bash
# Fetches the current Debian 12 kernel (linux-image-6.1.0-NN-amd64, NN resolved from the
# linux-image-amd64 dependency) into the lane cache, unpacks it with dpkg-deb (nothing is installed
# into /boot), runs depmod and builds a busybox initramfs around ./init. Prints the kernel's cache
# directory, which holds vmlinuz and initramfs.cpio.gz. Reuses what an earlier run left there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

package=$(apt-cache depends "$LANE_META_PACKAGE" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [[ -z $package ]]; then
  lane_log "apt-cache depends $LANE_META_PACKAGE names no linux-image-*: run apt-get update"
  exit 1
fi
kver=${package#linux-image-}
dir="$LANE_CACHE/$kver"
mkdir -p "$dir"

if [[ ! -f $dir/root/boot/vmlinuz-$kver ]]; then
  lane_log "downloading $package"
  rm -rf "$dir/root" "$dir"/*.deb
  # apt-get download writes into the current directory; the _apt sandbox user may not reach it.
  (cd "$dir" && apt-get download -o APT::Sandbox::User=root "$package" >/dev/null)
  dpkg-deb -x "$dir"/"$package"_*.deb "$dir/root"
  rm -f "$dir"/*.deb
  depmod -b "$dir/root" "$kver"
fi

initrd="$dir/initramfs.cpio.gz"
if [[ ! -f $initrd || $LANE_DIR/init -nt $initrd || $LANE_DIR/lib.sh -nt $initrd || $LANE_DIR/prepare-kernel.sh -nt $initrd ]]; then
  lane_log "building the initramfs for $kver"
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  mkdir -p "$staging"/{bin,dev,proc,sys,mnt,newroot,modules}
  cp "$(command -v busybox)" "$staging/bin/busybox"
  ldd "$staging/bin/busybox" >/dev/null 2>&1 && {
    lane_log "busybox is not static: install busybox-static"
    exit 1
  }
  install -m 0755 "$LANE_DIR/init" "$staging/init"
  # modprobe --show-depends prints "insmod PATH" for each dependency first, then the module itself.
  : >"$staging/modules/order"
  for module in "${LANE_MODULES[@]}"; do
    modprobe -d "$dir/root" -S "$kver" --show-depends "$module" | awk '$1 == "insmod" { print $2 }' |
      while read -r path; do
        name=$(basename "$path")
        grep -qx "$name" "$staging/modules/order" && continue
        cp "$path" "$staging/modules/$name"
        echo "$name" >>"$staging/modules/order"
      done
  done
  (cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
fi
ln -sf "root/boot/vmlinuz-$kver" "$dir/vmlinuz"
echo "$dir"
