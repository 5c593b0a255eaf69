#!/usr/bin/env bash
# Builds the conformance corpus: every program of the Linux kernel's BPF selftests
# (tools/testing/selftests/bpf/progs/*.c from Debian's linux-source-6.1), compiled with clang-19
# as the selftests Makefile does, against a vmlinux.h of the running kernel (or of another kernel:
# BPFKIT_CORPUS_KERNEL_RELEASE and BPFKIT_CORPUS_VMLINUX_BTF name its release and its BTF file, as
# the kernel lane does for its 6.1 guest).
# Nothing of the selftests enters this repository: sources and objects live in the cache dir
#   ${BPFKIT_CORPUS_CACHE:-$HOME/.cache/bpfkit-corpus}
# Objects are keyed by kernel source version + clang version + kernel release, so a second run
# only checks that the object directory is complete. Prints the object directory on its last line.
set -euo pipefail

cache="${BPFKIT_CORPUS_CACHE:-$HOME/.cache/bpfkit-corpus}"
jobs="${BPFKIT_CORPUS_JOBS:-2}"
clang="${CLANG:-clang-19}"
tarball=/usr/src/linux-source-6.1.tar.xz

if [ ! -f "$tarball" ] || ! command -v python3 >/dev/null || ! command -v xz >/dev/null; then
  echo "== installing linux-source-6.1, python3 and xz-utils (Debian)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    linux-source-6.1 python3 xz-utils >/dev/null
fi
for tool in "$clang" bpftool python3 xz; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is needed (apt-get install clang-19 bpftool python3 xz-utils)" >&2; exit 1; }
done

src_version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
clang_version=$("$clang" --version | head -1 | sed 's/[^A-Za-z0-9.+-]\+/_/g')
kernel_release=${BPFKIT_CORPUS_KERNEL_RELEASE:-$(uname -r)}
vmlinux_btf=${BPFKIT_CORPUS_VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
src="$cache/src-$src_version"
objs="$cache/objs-$src_version-$clang_version-$kernel_release"

# 1. Only the paths the selftests' programs and bpf_doc.py need.
if [ ! -f "$src/.complete" ]; then
  echo "== extracting selftests sources of linux-source-6.1 $src_version" >&2
  rm -rf "$src" && mkdir -p "$src"
  tar -xJf "$tarball" -C "$src" --strip-components=1 \
    linux-source-6.1/tools/testing/selftests/bpf \
    linux-source-6.1/tools/lib/bpf \
    linux-source-6.1/tools/include \
    linux-source-6.1/scripts/bpf_doc.py \
    linux-source-6.1/include/uapi/linux/bpf.h
  # The tarball has no bpf_helper_defs.h: generated as tools/lib/bpf/Makefile does.
  python3 "$src/scripts/bpf_doc.py" --header --file "$src/tools/include/uapi/linux/bpf.h" \
    >"$src/tools/lib/bpf/bpf_helper_defs.h"
  touch "$src/.complete"
fi

# 2. vmlinux.h of the kernel, and the objects.
mkdir -p "$objs"
if [ ! -s "$objs/vmlinux.h" ]; then
  bpftool btf dump file "$vmlinux_btf" format c >"$objs/vmlinux.h.tmp"
  mv "$objs/vmlinux.h.tmp" "$objs/vmlinux.h"
fi

if [ ! -f "$objs/.complete" ]; then
  st="$src/tools/testing/selftests/bpf"
  # Files the selftests Makefile compiles with extra flags ("$(OUTPUT)/x.o: BPF_CFLAGS += -fno-inline").
  noinline=$(sed -n 's|^\$(OUTPUT)/\([a-z0-9_]*\)\.o: BPF_CFLAGS += -fno-inline.*|\1|p' "$st/Makefile" | tr '\n' ' ')
  echo "== compiling $(ls "$st"/progs/*.c | wc -l) selftests programs with $clang, $jobs at a time (-fno-inline: $noinline)" >&2
  export clang objs st noinline
  # A failed compile leaves NAME.fail with clang's message, so it is not retried.
  ls "$st"/progs/*.c | xargs -P "$jobs" -I{} bash -c '
    name=$(basename "$1" .c)
    [ -f "$objs/$name.o" ] || [ -f "$objs/$name.fail" ] && exit 0
    extra=""
    case " $noinline " in *" $name "*) extra=-fno-inline ;; esac
    if "$clang" -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 $extra \
        -I"$objs" -I"$st" -I"$st/progs" -I"$st/../../../lib" -I"$st/../../../include/uapi" \
        -I/usr/include/x86_64-linux-gnu -Wno-compare-distinct-pointer-types \
        -c "$1" -o "$objs/$name.o.tmp" 2>"$objs/$name.err"; then
      mv "$objs/$name.o.tmp" "$objs/$name.o"; rm -f "$objs/$name.err"
    else
      rm -f "$objs/$name.o.tmp"; mv "$objs/$name.err" "$objs/$name.fail"
    fi
  ' _ {}
  # The sets the selftests link before use ("foo.skel.h-deps := a.bpf.o b.bpf.o"), linked with
  # libbpf's linker as the Makefile does (bpftool gen object): linked/foo.o.
  mkdir -p "$objs/linked"
  sed -n 's|^\([a-z0-9_]*\)\.skel\.h-deps := \(.*\)$|\1 \2|p' "$st/Makefile" | while read -r name deps; do
    inputs=()
    for dep in $deps; do inputs+=("$objs/${dep%.bpf.o}.o"); done
    bpftool gen object "$objs/linked/$name.o" "${inputs[@]}" 2>"$objs/linked/$name.fail" \
      && rm -f "$objs/linked/$name.fail" || rm -f "$objs/linked/$name.o"
  done
  touch "$objs/.complete"
fi
# Each linked set's inputs, for the corpus test to link again with bpfkit's linker.
sed -n 's|^\([a-z0-9_]*\)\.skel\.h-deps := \(.*\)$|\1 \2|p' "$src/tools/testing/selftests/bpf/Makefile" | while read -r name deps; do
  [ -f "$objs/linked/$name.o" ] || continue
  for dep in $deps; do echo "${dep%.bpf.o}"; done >"$objs/linked/$name.inputs"
done
# What the corpus test reads: the object directory for this kernel release, source and compiler.
echo "$objs" >"$cache/objects-dir-$kernel_release"

echo "== corpus: $(ls "$objs"/*.o | wc -l) objects compiled, $(ls "$objs"/*.fail 2>/dev/null | wc -l) did not compile, $(ls "$objs"/linked/*.o 2>/dev/null | wc -l) linked sets" >&2
echo "$objs"
