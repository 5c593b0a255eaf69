// The libbpf side of bpfkit's map benchmarks: times single-element bpf_map_lookup_elem and
// bpf_map_update_elem on an array and a hash map, and full BPF_MAP_LOOKUP_BATCH passes over a
// large hash map, the same operations bench/cases/map-*.js time through @bpfkit/kernel-backend.
// Prints one JSON object: {"case", "unit", "samples": [...]}.
//
// usage: map_ops <array-lookup|array-update|hash-lookup|hash-update> [iterations] [repetitions]
//        map_ops hash-lookup-batch <entries> <batch size> <repetitions>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

static double now_ms(void) { return now_ns() / 1e6; }

// One full pass of bpf_map_lookup_batch over `fd`, `batch` entries per call; returns the count.
static long lookup_all(int fd, __u32 batch, __u32 *keys, __u64 *values) {
  __u32 in_token = 0, out_token = 0;
  void *in = NULL;  // NULL: start from the first bucket
  long total = 0;
  for (;;) {
    __u32 count = batch;
    int err = bpf_map_lookup_batch(fd, in, &out_token, keys, values, &count, NULL);
    total += count;
    if (err) {
      if (errno == ENOENT) return total;  // the map is exhausted; count holds the last entries
      fprintf(stderr, "bpf_map_lookup_batch: %s\n", strerror(errno));
      exit(2);
    }
    in_token = out_token;
    in = &in_token;
  }
}

// A u32 -> u64 hash map of `entries` keys (0..entries-1, filled with one update batch) read back
// in full passes; samples are ms per pass.
static int hash_lookup_batch(__u32 entries, __u32 batch, int repetitions) {
  int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_batch", 4, 8, entries, NULL);
  if (fd < 0) {
    fprintf(stderr, "bpf_map_create(bench_batch): %s\n", strerror(errno));
    return 2;
  }
  __u32 *keys = calloc(entries, sizeof(*keys));
  __u64 *values = calloc(entries, sizeof(*values));
  for (__u32 k = 0; k < entries; k++) keys[k] = k, values[k] = k;
  __u32 count = entries;
  if (bpf_map_update_batch(fd, keys, values, &count, NULL) != 0 || count != entries) {
    fprintf(stderr, "bpf_map_update_batch: %s (%u of %u)\n", strerror(errno), count, entries);
    return 2;
  }
  // lookups write into buffers of one batch, as the bpfkit side's
  __u32 *batch_keys = calloc(batch, sizeof(*batch_keys));
  __u64 *batch_values = calloc(batch, sizeof(*batch_values));
  lookup_all(fd, batch, batch_keys, batch_values);  // untimed pass: caches, page faults in the buffers
  printf("{\"case\":\"hash-lookup-batch\",\"unit\":\"ms\",\"samples\":[");
  for (int r = 0; r < repetitions; r++) {
    double start = now_ms();
    long seen = lookup_all(fd, batch, batch_keys, batch_values);
    double elapsed = now_ms() - start;
    if (seen != entries) {
      fprintf(stderr, "a pass read %ld entries, expected %u\n", seen, entries);
      return 2;
    }
    printf("%s%.4f", r ? "," : "", elapsed);
  }
  printf("]}\n");
  return 0;
}

// The floor of a map operation from C: a bpf(BPF_MAP_LOOKUP_ELEM) the kernel refuses at once
// (no such fd: EBADF right after copying the attr), as libbpf's sys_bpf issues it. napi-floor.js
// times the same call from node, so the two floors compare in one run.
static int refused(long iterations, int repetitions) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.map_fd = 0x7fffffff;
  printf("{\"case\":\"refused\",\"unit\":\"ns/op\",\"samples\":[");
  for (int r = 0; r < repetitions; r++) {
    double start = now_ns();
    for (long i = 0; i < iterations; i++) syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &attr, 32);
    printf("%s%.1f", r ? "," : "", (now_ns() - start) / (double)iterations);
  }
  printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "refused") == 0) return refused(atol(argv[2]), atoi(argv[3]));
  if (argc == 5 && strcmp(argv[1], "hash-lookup-batch") == 0)
    return hash_lookup_batch(atol(argv[2]), atol(argv[3]), atoi(argv[4]));
  if (argc < 2) {
    fprintf(stderr,
            "usage: %s <array-lookup|array-update|hash-lookup|hash-update> [iterations] [repetitions]\n"
            "       %s hash-lookup-batch <entries> <batch size> <repetitions>\n",
            argv[0], argv[0]);
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
