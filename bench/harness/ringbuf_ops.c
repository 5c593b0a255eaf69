// The libbpf side of bpfkit's ring buffer benchmarks: loads harness/bpf/ringbuf_producer.bpf.c's
// object, fills its ring with BPF_PROG_TEST_RUN (one event per repetition), then times
// ring_buffer__consume draining it, the work bench/cases/ringbuf-*.js time through
// @bpfkit/kernel-backend. The callback reads the first byte of each record, as bpfkit's does.
// Prints one JSON object: {"case", "unit", "samples": [<ns per event>]}.
//
// usage: ringbuf_ops consume <object> <events per fill> <repetitions>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail, int err) {
  fprintf(stderr, "%s(%s): %s\n", what, detail, strerror(err < 0 ? -err : err));
  exit(2);
}

struct tally {
  long records;
  unsigned long sum;
};

static int on_record(void *ctx, void *data, size_t size) {
  struct tally *tally = ctx;
  (void)size;
  tally->records++;
  tally->sum += *(unsigned char *)data;
  return 0;
}

// Runs the producer `events` times: the ring then holds that many 64-byte records.
static void fill(int program_fd, int events) {
  unsigned char packet[64] = {0};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet, .data_size_in = sizeof(packet),
              .repeat = events);
  int err = bpf_prog_test_run_opts(program_fd, &opts);
  if (err) die("bpf_prog_test_run_opts", "produce", errno);
}

static double drain(struct ring_buffer *ring, struct tally *tally, int events) {
  tally->records = 0;
  tally->sum = 0;
  double start = now_ns();
  int consumed = ring_buffer__consume(ring);
  double elapsed = now_ns() - start;
  if (consumed < 0) die("ring_buffer__consume", "events", consumed);
  // each event's first byte is 1: the sum says every event was read once
  if (tally->records != events || tally->sum != (unsigned long)events) {
    fprintf(stderr, "consumed %ld records summing to %lu, expected %d\n", tally->records, tally->sum, events);
    exit(2);
  }
  return elapsed / events;
}

static int consume(const char *path, int events, int repetitions) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) die("bpf_object__open_file", path, errno);
  int err = bpf_object__load(obj);
  if (err) die("bpf_object__load", path, err);
  int map_fd = bpf_object__find_map_fd_by_name(obj, "events");
  struct bpf_program *program = bpf_object__find_program_by_name(obj, "produce");
  if (map_fd < 0 || !program) die("find", "events/produce", ENOENT);
  struct tally tally = {0};
  struct ring_buffer *ring = ring_buffer__new(map_fd, on_record, &tally, NULL);
  if (!ring) die("ring_buffer__new", "events", errno);

  fill(bpf_program__fd(program), events);  // untimed round: faults in the ring's pages
  drain(ring, &tally, events);
  printf("{\"case\":\"ringbuf-consume\",\"unit\":\"ns/event\",\"samples\":[");
  for (int r = 0; r < repetitions; r++) {
    fill(bpf_program__fd(program), events);
    printf("%s%.2f", r ? "," : "", drain(ring, &tally, events));
  }
  printf("]}\n");
  ring_buffer__free(ring);
  bpf_object__close(obj);
  return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
  (void)level, (void)fmt, (void)args;
  return 0;
}

int main(int argc, char **argv) {
  libbpf_set_print(quiet);
  if (argc == 5 && strcmp(argv[1], "consume") == 0) return consume(argv[2], atoi(argv[3]), atoi(argv[4]));
  fprintf(stderr, "usage: %s consume <object> <events per fill> <repetitions>\n", argv[0]);
  return 1;
}
