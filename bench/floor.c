/* The floor of bench/run's per-event rows: hand-written BPF programs on the
 * getpid syscall tracepoint, loaded and attached as scry and bpftrace attach
 * theirs (a perf event, a BPF link), so that what a tool adds shows above it.
 *   floor -e empty    return 0
 *   floor -e count    count into a per-CPU array (what @ = count() needs)
 * Runs until SIGINT or SIGTERM. */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "codegen/insn.h"

static int tracepoint_id(const char *event)
{
	const char *dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/events/%s/id", dirs[i], event);
		FILE *f = fopen(path, "r");
		int id;
		if (f && fscanf(f, "%d", &id) == 1) {
			fclose(f);
			return id;
		}
		if (f)
			fclose(f);
	}
	return -1;
}

static void stop(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "-e") || (strcmp(argv[2], "empty") && strcmp(argv[2], "count"))) {
		fprintf(stderr, "usage: floor -e empty|count\n");
		return 2;
	}
	bool count = !strcmp(argv[2], "count");
	int map_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "floor_count", 4, 8, 1, NULL);
	if (map_fd < 0) {
		perror("floor: map");
		return 1;
	}
	const struct bpf_insn counting[] = {
		ST_MEM(BPF_W, FP, -4, 0),
		MOV64_REG(R2, FP),
		ALU64_IMM(BPF_ADD, R2, -4),
		LD_IMM64_LO(R1, BPF_PSEUDO_MAP_FD, (uint32_t)map_fd),
		LD_IMM64_HI(0),
		CALL_HELPER(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, R0, 0, 3),
		LDX_MEM(BPF_DW, R1, R0, 0),
		ALU64_IMM(BPF_ADD, R1, 1),
		STX_MEM(BPF_DW, R0, R1, 0),
		MOV64_IMM(R0, 0),
		EXIT_INSN(),
	};
	const struct bpf_insn *insns = count ? counting : counting + 10;
	size_t n = count ? sizeof(counting) / sizeof(counting[0]) : 2;
	int prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "floor", "GPL", insns, n, NULL);
	int id = tracepoint_id("syscalls/sys_enter_getpid");
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = id,
					.sample_period = 1, .wakeup_events = 1 };
	int perf_fd = id < 0 ? -1 : syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (prog_fd < 0 || perf_fd < 0 || bpf_link_create(prog_fd, perf_fd, BPF_PERF_EVENT, NULL) < 0) {
		fprintf(stderr, "floor: cannot load or attach: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	pause();
	return 0;
}
