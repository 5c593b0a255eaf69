#!/usr/bin/env bash
# Rebuilds every BPF fixture object from its C source. Tests use the committed objects and never
# need clang; run this after changing a *.bpf.c file (needs clang-19, libbpf-dev, linux-libc-dev).
#   foo.bpf.c        -> foo.bpfel.o and foo.bpfeb.o (clang-19, -target bpfel / bpfeb)
#   foo.gcc.bpf.c    -> foo.gcc.o (bpf-gcc with -gbtf), when bpf-gcc is installed
# A first line `// bpfkit-cflags: FLAGS` adds FLAGS for that file (e.g. -mcpu=v4).
# A first line `// bpfkit-link-with: other.bpf.c` also links foo.bpfel.o with other.bpfel.o into
# foo.linked-el.o (little-endian, no byte-order twin) through bpftool gen object (libbpf's linker), for what only linked objects show.
set -euo pipefail
cd "$(dirname "$0")/.."

CFLAGS=(-O2 -g -Wall -Werror -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu)
# Keep the location of the checkout out of the debug info of the objects.
CFLAGS+=("-fdebug-prefix-map=$PWD=.")

build_one() {
  local src=$1 dir base
  dir=$(dirname "$src")
  base=${src%.bpf.c}
  if [[ $src == *.gcc.bpf.c ]]; then
    if command -v bpf-gcc >/dev/null; then
      bpf-gcc -O2 -gbtf -I"$dir" -I/usr/include/x86_64-linux-gnu -c "$src" -o "${src%.bpf.c}.o"
      # bpf-gcc 12 writes the absolute source path into BTF whatever the prefix maps say: overwrite
      # the checkout's path with "./////..." of the same length, so string offsets stay valid.
      CHECKOUT="$PWD" perl -0777 -pi -e 'my $p = $ENV{CHECKOUT}; my $r = "." . ("/" x (length($p) - 1)); s/\Q$p\E/$r/g' "${src%.bpf.c}.o"
    else
      echo "skip $src: bpf-gcc not installed" >&2
    fi
    return
  fi
  local extra=()
  read -r first <"$src" || true
  if [[ $first =~ ^//\ bpfkit-cflags:\ (.*)$ ]]; then read -ra extra <<<"${BASH_REMATCH[1]}"; fi
  for target in bpfel bpfeb; do
    clang-19 "${CFLAGS[@]}" "${extra[@]}" -target "$target" -I"$dir" -c "$src" -o "$base.$target.o"
  done
  if [[ $first =~ ^//\ bpfkit-link-with:\ (.*)$ ]]; then
    local other="$dir/${BASH_REMATCH[1]}"
    build_one "$other"
    bpftool gen object "$base.linked-el.o" "$base.bpfel.o" "${other%.bpf.c}.bpfel.o"
  fi
}

mapfile -t sources < <(git ls-files --cached --others --exclude-standard -- '*.bpf.c')
for src in "${sources[@]}"; do
  build_one "$src"
  echo "built $src"
done
