// The libbpf side of bpfkit's CO-RE benchmark: how long libbpf 1.1 spends relocating an object's
// programs (CO-RE included) inside bpf_object__load, the work bench/cases/core-relocate*.js time
// through @bpfkit/relocator. Prints one JSON object: {"case", "unit", "samples": [...]}.
//
// libbpf 1.1 has no public call that relocates without loading: bpf_object__load runs, in order,
// a probe load, the vmlinux BTF parse, BTF load, map creation, bpf_object__relocate (CO-RE, calls,
// data, func/line info) and then BPF_PROG_LOAD of each program. This harness defines syscall(),
// which libbpf.so calls for every bpf() command, so it sees those commands go by: the relocation
// phase is the time from the return of the last bpf() call before the first BPF_PROG_LOAD of one
// of the object's programs to that BPF_PROG_LOAD. The vmlinux parse and the kernel's
// verification fall outside it. Every program keeps autoload (libbpf skips CO-RE for the others).
//
// usage: core_ops core-relocate <iterations> <repetitions> <object>
//   {"case","unit":"ms","samples":[<mean ms of the relocation phase per open + load>]}
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#define MAX_PROGRAMS 256

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *path, int err) {
  fprintf(stderr, "%s(%s): %s\n", what, path, strerror(err < 0 ? -err : err));
  exit(2);
}

// What the syscall() wrapper watches for during one bpf_object__load.
static struct {
  int watching;
  char names[MAX_PROGRAMS][BPF_OBJ_NAME_LEN];  // the object's program names as the kernel sees them
  int count;
  double last_return;  // when the previous bpf() call returned
  double relocation_ms;  // -1 until the first PROG_LOAD of an object program
} watch;

static int is_object_program(const union bpf_attr *attr) {
  for (int i = 0; i < watch.count; i++)
    if (strncmp(attr->prog_name, watch.names[i], BPF_OBJ_NAME_LEN) == 0) return 1;
  return 0;
}

typedef long (*syscall_fn)(long, ...);

// Interposes libc's syscall() for libbpf.so (the executable's definition comes first in symbol
// lookup); every call is passed on unchanged. Like libc's own syscall(), it takes six argument
// registers whatever the call passes, and it keeps errno as the real call left it.
long syscall(long number, ...) {
  static syscall_fn libc_syscall;
  if (!libc_syscall) libc_syscall = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
  va_end(ap);
  if (number != SYS_bpf || !watch.watching) return libc_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (a[0] == BPF_PROG_LOAD && watch.relocation_ms < 0 && is_object_program((const union bpf_attr *)a[1]))
    watch.relocation_ms = now_ms() - watch.last_return;
  long result = libc_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  int saved_errno = errno;
  watch.last_return = now_ms();
  errno = saved_errno;
  return result;
}

// ms libbpf spent in bpf_object__relocate for one open + load of `path`.
static double relocation_of_one_load(const char *path) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) die("bpf_object__open_file", path, errno);
  struct bpf_program *prog;
  watch.count = 0;
  bpf_object__for_each_program(prog, obj) {
    if (watch.count == MAX_PROGRAMS) die("too many programs in", path, E2BIG);
    snprintf(watch.names[watch.count++], BPF_OBJ_NAME_LEN, "%s", bpf_program__name(prog));
  }
  watch.relocation_ms = -1;
  watch.last_return = now_ms();
  watch.watching = 1;
  int err = bpf_object__load(obj);
  watch.watching = 0;
  if (err) die("bpf_object__load", path, err);
  if (watch.relocation_ms < 0) die("no BPF_PROG_LOAD of the object's programs seen in", path, EINVAL);
  bpf_object__close(obj);
  return watch.relocation_ms;
}

static int core_relocate(long iterations, int repetitions, const char *path) {
  relocation_of_one_load(path);  // untimed: page cache, libbpf's process-wide feature probes
  printf("{\"case\":\"core-relocate\",\"unit\":\"ms\",\"samples\":[");
  for (int r = 0; r < repetitions; r++) {
    double total = 0;
    for (long i = 0; i < iterations; i++) total += relocation_of_one_load(path);
    printf("%s%.4f", r ? "," : "", total / (double)iterations);
  }
  printf("]}\n");
  return 0;
}

// libbpf prints every relocation at debug level and warnings otherwise; keep stdout JSON only.
static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
  (void)level, (void)fmt, (void)args;
  return 0;
}

int main(int argc, char **argv) {
  libbpf_set_print(quiet);
  if (argc == 5 && strcmp(argv[1], "core-relocate") == 0)
    return core_relocate(atol(argv[2]), atoi(argv[3]), argv[4]);
  fprintf(stderr, "usage: %s core-relocate <iterations> <repetitions> <object>\n", argv[0]);
  return 1;
}
