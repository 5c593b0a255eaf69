// Test oracle: opens a BPF object with libbpf (no load) and prints every map as libbpf sees it,
// one JSON document on stdout. Usage: libbpf-map-oracle OBJECT [relaxed]
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

static void print_map(const struct bpf_map *map)
{
	const char *pin = bpf_map__pin_path(map);
	const struct bpf_map *inner = bpf_map__inner_map((struct bpf_map *)map);

	printf("{\"name\":\"%s\",\"type\":%d,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,"
	       "\"map_flags\":%u,\"numa_node\":%u,\"map_extra\":%llu,\"pin_path\":",
	       bpf_map__name(map), bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
	       bpf_map__max_entries(map), bpf_map__map_flags(map), bpf_map__numa_node(map),
	       (unsigned long long)bpf_map__map_extra(map));
	if (pin)
		printf("\"%s\"", pin);
	else
		printf("null");
	printf(",\"btf_key_type_id\":%u,\"btf_value_type_id\":%u,\"inner\":", bpf_map__btf_key_type_id(map),
	       bpf_map__btf_value_type_id(map));
	if (inner)
		print_map(inner);
	else
		printf("null");
	printf("}");
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .relaxed_maps = argc > 2 && strcmp(argv[2], "relaxed") == 0);
	struct bpf_object *obj;
	struct bpf_map *map;
	int first = 1;

	if (argc < 2)
		return 2;
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "bpf_object__open_file failed\n");
		return 1;
	}
	printf("{\"object\":\"%s\",\"maps\":[", bpf_object__name(obj));
	bpf_object__for_each_map(map, obj) {
		if (!first)
			printf(",");
		first = 0;
		print_map(map);
	}
	printf("]}\n");
	bpf_object__close(obj);
	return 0;
}
