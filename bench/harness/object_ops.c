// The libbpf side of bpfkit's BTF and object benchmarks: times btf__parse of a raw BTF file and
// bpf_object__open / __load / __close of ELF objects, the same work bench/cases/btf-*.js and
// object-*.js time through @bpfkit/btf and @bpfkit/loader. Prints one JSON object per run.
//
// usage:
//   object_ops btf-parse <btf file> <repetitions>
//     {"case","unit":"ms","first":<first parse in this process>,"samples":[<later parses>]}
//   object_ops btf-memory <btf file>
//     {"case","unit":"MB","samples":[<resident growth while the parsed BTF is held>]}
//   object_ops open <iterations> <repetitions> <object>...
//   object_ops open-load <iterations> <repetitions> <pin root> <object>...
//   object_ops open-mem <iterations> <repetitions> <object>...
//     {"case","unit":"ms","samples":[<mean ms per object, averaged over the objects>]}
//     (open-mem: bpf_object__open_mem of the file's bytes, read once and untimed: the parse alone)
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *path, int err) {
  fprintf(stderr, "%s(%s): %s\n", what, path, strerror(err < 0 ? -err : err));
  exit(2);
}

// One fresh parse, the file read included: btf__parse reads the whole file and copies it into the
// struct btf it returns, as parseBtf(readFileSync(path)) does on the bpfkit side.
static double parse_once(const char *path) {
  double start = now_ms();
  struct btf *btf = btf__parse(path, NULL);
  if (!btf) die("btf__parse", path, errno);
  btf__free(btf);
  return now_ms() - start;
}

static int btf_parse(const char *path, int repetitions) {
  double first = parse_once(path);
  printf("{\"case\":\"btf-parse\",\"unit\":\"ms\",\"first\":%.3f,\"samples\":[", first);
  for (int r = 0; r < repetitions; r++) printf("%s%.3f", r ? "," : "", parse_once(path));
  printf("]}\n");
  return 0;
}

// Resident set size from /proc/self/statm, in bytes.
static double resident_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2) die("read", "/proc/self/statm", errno);
  fclose(f);
  return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static int btf_memory(const char *path) {
  double before = resident_bytes();
  struct btf *btf = btf__parse(path, NULL);
  if (!btf) die("btf__parse", path, errno);
  double grown = resident_bytes() - before;
  printf("{\"case\":\"btf-memory\",\"unit\":\"MB\",\"types\":%u,\"samples\":[%.2f]}\n",
         btf__type_cnt(btf) - 1, grown / (1 << 20));
  btf__free(btf);
  return 0;
}

static struct bpf_object *open_object(const char *path, const char *pin_root) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
  struct bpf_object *obj = bpf_object__open_file(path, &opts);
  if (!obj) die("bpf_object__open_file", path, errno);
  return obj;
}

// Removes every pin under dir (untimed): each load must create and pin its maps afresh, as
// the bpfkit side's does, rather than reuse the pins of the previous iteration. dir is a
// directory of its own inside a private bpffs (whose root holds the preload's *.debug files).
static void clear_pins(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (unlink(path) != 0) die("unlink", path, errno);
  }
  closedir(d);
}

// Mean ms of one open (+ load when pin_root is set) + close of `path`, over `iterations`.
static double time_object(const char *path, long iterations, const char *pin_root) {
  double total = 0;
  for (long i = 0; i < iterations; i++) {
    double start = now_ms();
    struct bpf_object *obj = open_object(path, pin_root);
    if (pin_root) {
      int err = bpf_object__load(obj);
      if (err) die("bpf_object__load", path, err);
    }
    bpf_object__close(obj);
    total += now_ms() - start;
    if (pin_root) clear_pins(pin_root);
  }
  return total / (double)iterations;
}

// Mean ms of one bpf_object__open_mem + close of the bytes of `path`, over `iterations`.
static double time_open_mem(const char *path, long iterations) {
  FILE *f = fopen(path, "rb");
  if (!f) die("fopen", path, errno);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  rewind(f);
  char *bytes = malloc(size);
  if (!bytes || fread(bytes, 1, size, f) != (size_t)size) die("fread", path, errno);
  fclose(f);
  double total = 0;
  for (long i = 0; i < iterations; i++) {
    double start = now_ms();
    struct bpf_object *obj = bpf_object__open_mem(bytes, size, NULL);
    if (!obj) die("bpf_object__open_mem", path, errno);
    bpf_object__close(obj);
    total += now_ms() - start;
  }
  free(bytes);
  return total / (double)iterations;
}

static double time_one(const char *which, const char *path, long iterations, const char *pin_root) {
  return strcmp(which, "open-mem") == 0 ? time_open_mem(path, iterations)
                                        : time_object(path, iterations, pin_root);
}

static int objects(const char *which, long iterations, int repetitions, const char *pin_root, int count,
                   char **paths) {
  // one untimed pass: warms the page cache and libbpf's process-wide feature probes
  for (int o = 0; o < count; o++) time_one(which, paths[o], 1, pin_root);
  printf("{\"case\":\"%s\",\"unit\":\"ms\",\"samples\":[", which);
  for (int r = 0; r < repetitions; r++) {
    double sum = 0;
    for (int o = 0; o < count; o++) sum += time_one(which, paths[o], iterations, pin_root);
    printf("%s%.4f", r ? "," : "", sum / count);
  }
  printf("]}\n");
  return 0;
}

static int usage(const char *self) {
  fprintf(stderr,
          "usage: %s btf-parse <file> <repetitions>\n"
          "       %s btf-memory <file>\n"
          "       %s open <iterations> <repetitions> <object>...\n"
          "       %s open-load <iterations> <repetitions> <pin root> <object>...\n"
          "       %s open-mem <iterations> <repetitions> <object>...\n",
          self, self, self, self, self);
  return 1;
}

// libbpf's warnings would interleave with the JSON on stderr; bpfkit's side is silent too.
static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
  (void)level, (void)fmt, (void)args;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) return usage(argv[0]);
  libbpf_set_print(quiet);
  const char *which = argv[1];
  if (strcmp(which, "btf-parse") == 0 && argc == 4) return btf_parse(argv[2], atoi(argv[3]));
  if (strcmp(which, "btf-memory") == 0 && argc == 3) return btf_memory(argv[2]);
  if ((strcmp(which, "open") == 0 || strcmp(which, "open-mem") == 0) && argc > 4)
    return objects(which, atol(argv[2]), atoi(argv[3]), NULL, argc - 4, argv + 4);
  if (strcmp(which, "open-load") == 0 && argc > 5)
    return objects(which, atol(argv[2]), atoi(argv[3]), argv[4], argc - 5, argv + 5);
  return usage(argv[0]);
}
