// The libbpf side of bpfkit's map benchmarks: times single-element bpf_map_lookup_elem and
// bpf_map_update_elem on an array and a hash map, the same operations bench/cases/map-*.js time
// through @bpfkit/kernel-backend. Prints one JSON object: {"case", "unit", "samples": [...]}.
//
// usage: map_ops <array-lookup|array-update|hash-lookup|hash-update> [iterations] [repetitions]
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENTRIES 1024

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int create(enum bpf_map_type type, const char *name) {
  int fd = bpf_map_create(type, name, 4, 8, ENTRIES, NULL);
  if (fd < 0) {
    fprintf(stderr, "bpf_map_create(%s): %s\n", name, strerror(errno));
    exit(2);
  }
  // fill every key so lookups hit, as the bpfkit side does
  for (__u32 k = 0; k < ENTRIES; k++) {
    __u64 v = k;
    if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) != 0) {
      fprintf(stderr, "fill %s: %s\n", name, strerror(errno));
      exit(2);
    }
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <array-lookup|array-update|hash-lookup|hash-update> [iterations] [repetitions]\n", argv[0]);
    return 1;
  }
  const char *which = argv[1];
  long iterations = argc > 2 ? atol(argv[2]) : 200000;
  int repetitions = argc > 3 ? atoi(argv[3]) : 5;
  int is_hash = strncmp(which, "hash", 4) == 0;
  int is_update = strstr(which, "update") != NULL;
  if (!is_hash && strncmp(which, "array", 5) != 0) {
    fprintf(stderr, "unknown case %s\n", which);
    return 1;
  }
  int fd = create(is_hash ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_ARRAY, is_hash ? "bench_hash" : "bench_array");

  __u32 key = 7;
  __u64 value = 0;
  printf("{\"case\":\"%s\",\"unit\":\"ns/op\",\"samples\":[", which);
  for (int r = 0; r < repetitions; r++) {
    double start = now_ns();
    int failed = 0;
    if (is_update) {
      for (long i = 0; i < iterations; i++) failed |= bpf_map_update_elem(fd, &key, &value, BPF_ANY);
    } else {
      for (long i = 0; i < iterations; i++) failed |= bpf_map_lookup_elem(fd, &key, &value);
    }
    double per_op = (now_ns() - start) / (double)iterations;
    if (failed) {
      fprintf(stderr, "%s failed: %s\n", which, strerror(errno));
      return 2;
    }
    printf("%s%.1f", r ? "," : "", per_op);
  }
  printf("]}\n");
  return 0;
}
