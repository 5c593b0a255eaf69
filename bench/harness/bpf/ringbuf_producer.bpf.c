// The producer of the ring buffer rows, compiled at bench time by bench/lib/bpf-objects.js: each
// BPF_PROG_TEST_RUN repetition of `produce` reserves one 56-byte event (64 bytes in the ring
// with the 8-byte record header), fills it and submits it. Every event starts with the byte 1, so
// a consumer that sums first bytes can check it saw each event once.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 kind;
	__u32 cpu;
	__u64 timestamp;
	__u64 payload[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

SEC("xdp")
int produce(struct xdp_md *ctx)
{
	struct event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return XDP_PASS;
	event->kind = 1;
	event->cpu = bpf_get_smp_processor_id();
	event->timestamp = bpf_ktime_get_ns();
	for (int i = 0; i < 5; i++)
		event->payload[i] = i;
	bpf_ringbuf_submit(event, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
