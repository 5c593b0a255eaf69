// Reference timing: libbpf's btf__parse of the same file, first call and best of the rest.
#include <bpf/btf.h>
#include <stdio.h>
#include <time.h>

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : "/sys/kernel/btf/vmlinux";
  double first = 0, best = 1e9;
  for (int i = 0; i < 10; i++) {
    double start = now_ms();
    struct btf *btf = btf__parse(path, NULL);
    double took = now_ms() - start;
    if (!btf)
      return 1;
    btf__free(btf);
    if (i == 0)
      first = took;
    if (took < best)
      best = took;
  }
  printf("{\"first\": %.3f, \"best\": %.3f}\n", first, best);
  return 0;
}
